"""The one place where llmloop errors become HTTP replies: ``{"error": {"code", "message"}}``."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from llmloop.errors import (
    AuthenticationError,
    ConfigurationError,
    ConflictError,
    LlmloopError,
    NotFoundError,
    OperationError,
    OverloadedError,
    PermissionDeniedError,
    ProviderError,
    ProviderRateLimitError,
    ProviderTimeoutError,
    RemoteError,
    SchemaVersionError,
    ServerUnavailableError,
    StoreUnavailableError,
    UsageError,
    ValidationError,
)

__all__ = ["ErrorBody", "ErrorDetail", "install_error_handlers", "status_for"]

logger = logging.getLogger("llmloop.server")

# Most specific first: the first class an error is an instance of decides its status.
_STATUS_BY_ERROR: tuple[tuple[type[LlmloopError], int], ...] = (
    (ValidationError, 422),
    (NotFoundError, 404),
    (ConflictError, 409),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (ConfigurationError, 400),
    (UsageError, 400),
    (OverloadedError, 429),
    (StoreUnavailableError, 503),
    (SchemaVersionError, 503),
    (ServerUnavailableError, 503),
    (RemoteError, 502),
    (ProviderTimeoutError, 504),
    (ProviderRateLimitError, 429),
    (ProviderError, 502),
    (OperationError, 500),
    (LlmloopError, 500),
)

_CODE_BY_HTTP_STATUS = {
    401: AuthenticationError.code,
    403: PermissionDeniedError.code,
    404: NotFoundError.code,
    405: UsageError.code,
    409: ConflictError.code,
    413: ValidationError.code,
    415: ValidationError.code,
    422: ValidationError.code,
    429: OverloadedError.code,
}


class ErrorDetail(BaseModel):
    """What went wrong, and what to do."""

    code: str
    message: str


class ErrorBody(BaseModel):
    """The body of every error reply."""

    error: ErrorDetail


def status_for(error: LlmloopError) -> int:
    """The HTTP status of an llmloop error."""
    for cls, status in _STATUS_BY_ERROR:
        if isinstance(error, cls):
            return status
    return 500


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """A JSON error reply in llmloop's shape."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        ErrorBody(error=ErrorDetail(code=code, message=message)).model_dump(),
        status_code=status,
        headers=headers,
    )


def _describe_validation(exc: RequestValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(part) for part in err.get("loc", ()))
        problems.append(f"{where}: {err.get('msg', 'is invalid')}")
    return "the request is invalid: " + "; ".join(problems)


def install_error_handlers(app: FastAPI) -> None:
    """Route every error to one JSON shape; unexpected ones are logged, never leaked."""

    @app.exception_handler(LlmloopError)
    async def _llmloop_error(_request: Request, exc: LlmloopError) -> JSONResponse:
        return error_response(status_for(exc), exc.code, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        message = _describe_validation(exc) + ". Fix the named fields and send it again."
        return error_response(422, ValidationError.code, message)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _CODE_BY_HTTP_STATUS.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error while serving a request")
        return error_response(
            500,
            OperationError.code,
            "the server failed unexpectedly; the error is in its log. Retry, and report it "
            "if it persists",
        )
