"""``POST /api/v1/feedback``: end-user feedback from web pages and apps.

It accepts public feedback keys (``llmloop key create NAME --feedback``) as well as project
keys; CORS for it is in :mod:`llmloop.server.cors`. The body is read by hand, with a size cap,
so that an oversized body is refused (413) before any of it is parsed.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from llmloop.domain.scores import Feedback, Score, parse_model
from llmloop.errors import ValidationError
from llmloop.server.auth import ClientForFeedbackKey
from llmloop.server.cors import FEEDBACK_PATH
from llmloop.server.errors import ErrorBody, error_response

__all__ = ["FEEDBACK_MAX_BODY_BYTES", "router"]

#: Ample for a 2,000-character comment in any script (at most 4 bytes a character) and ids.
FEEDBACK_MAX_BODY_BYTES = 16 * 1024

router = APIRouter(
    tags=["feedback"],
    responses={
        401: {"model": ErrorBody},
        404: {"model": ErrorBody},
        409: {"model": ErrorBody},
        413: {"model": ErrorBody, "description": "Body larger than 16 KiB."},
        422: {"model": ErrorBody},
    },
)


class _BodyTooLargeError(Exception):
    pass


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > FEEDBACK_MAX_BODY_BYTES:
        raise _BodyTooLargeError
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > FEEDBACK_MAX_BODY_BYTES:
            raise _BodyTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(body: bytes) -> Feedback:
    try:
        data: Any = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationError(
            "the feedback body is not JSON",
            hint='Send a JSON object such as {"trace_id": "...", "thumbs": true}.',
        ) from None
    if not isinstance(data, dict):
        raise ValidationError(
            "the feedback body must be a JSON object",
            hint='Send a JSON object such as {"trace_id": "...", "thumbs": true}.',
        )
    return parse_model(Feedback, data, what="feedback")


@router.post(
    FEEDBACK_PATH,
    summary="Record end-user feedback (feedback or project key; CORS for allowed origins)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": Feedback.model_json_schema()}},
        }
    },
    response_model=Score,
)
async def add_feedback(request: Request, client: ClientForFeedbackKey) -> Any:
    """Store a thumbs up/down or a rating as a ``user_feedback`` score."""
    try:
        body = await _read_body(request)
    except _BodyTooLargeError:
        return error_response(
            413,
            ValidationError.code,
            f"the feedback body is larger than {FEEDBACK_MAX_BODY_BYTES} bytes. Send a shorter "
            "comment (at most 2000 characters)",
        )
    feedback = _parse(body)
    score: Score = await run_in_threadpool(client.scores.record, feedback.score_input())
    return score
