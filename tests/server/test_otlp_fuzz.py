"""Fuzzing ``/v1/traces``: no OTLP message or body, however odd, gets a 5xx."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx2
import pytest
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from llmloop.client.local import LocalClient
from llmloop.domain import trace_conventions
from llmloop.server.run import ServerThread
from tests.monitor.otlp_builders import T0_NS

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KNOWN_KEYS = [
    *trace_conventions.MODEL_KEYS,
    *trace_conventions.COST_KEYS,
    *(key for keys in trace_conventions.TOKEN_KEYS.values() for key in keys),
    *(key for keys in trace_conventions.CONTEXT_KEYS.values() for key in keys),
    "llmloop.kind",
    "llmloop.rollout_step",
    "llmloop.tags",
    "openinference.span.kind",
    "gen_ai.operation.name",
    "gen_ai.input.messages",
    "input.value",
    "retrieval.documents.0.document.content",
    "llm.input_messages.0.message.role",
]
keys = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=20))
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


def _scalar() -> st.SearchStrategy[AnyValue]:
    return st.one_of(
        st.builds(lambda v: AnyValue(string_value=v), st.text(max_size=40)),
        st.builds(lambda v: AnyValue(int_value=v), INT64),
        st.builds(lambda v: AnyValue(double_value=v), st.floats()),
        st.builds(lambda v: AnyValue(bool_value=v), st.booleans()),
        st.builds(lambda v: AnyValue(bytes_value=v), st.binary(max_size=10)),
        st.just(AnyValue()),
    )


def _nest(children: st.SearchStrategy[AnyValue]) -> st.SearchStrategy[AnyValue]:
    def array(items: list[AnyValue]) -> AnyValue:
        value = AnyValue()
        value.array_value.values.extend(items)
        return value

    def kvlist(pairs: list[tuple[str, AnyValue]]) -> AnyValue:
        value = AnyValue()
        value.kvlist_value.values.extend(KeyValue(key=k, value=v) for k, v in pairs)
        return value

    return st.one_of(
        st.lists(children, max_size=3).map(array),
        st.lists(st.tuples(keys, children), max_size=3).map(kvlist),
    )


any_values = st.recursive(_scalar(), _nest, max_leaves=6)
attributes = st.lists(st.builds(KeyValue, key=keys, value=any_values), max_size=6)
times = st.one_of(
    st.integers(min_value=0, max_value=2**64 - 1),
    st.integers(min_value=T0_NS - 10**12, max_value=T0_NS + 10**12),
)


@st.composite
def spans(draw: st.DrawFn) -> Span:
    span = Span(
        trace_id=draw(st.one_of(st.binary(min_size=16, max_size=16), st.binary(max_size=20))),
        span_id=draw(st.one_of(st.binary(min_size=8, max_size=8), st.binary(max_size=10))),
        parent_span_id=draw(st.one_of(st.just(b""), st.binary(max_size=9))),
        name=draw(st.text(max_size=30)),
        kind=draw(st.integers(min_value=0, max_value=2**31 - 1)),
        start_time_unix_nano=draw(times),
        end_time_unix_nano=draw(times),
        status=Status(
            code=draw(st.integers(min_value=0, max_value=9)), message=draw(st.text(max_size=10))
        ),
    )
    span.attributes.extend(draw(attributes))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        event = span.events.add(name=draw(st.text(max_size=30)))
        event.attributes.extend(draw(attributes))
    return span


@st.composite
def requests(draw: st.DrawFn) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        resource_spans = request.resource_spans.add()
        resource_spans.resource.attributes.extend(draw(attributes))
        scope_spans = resource_spans.scope_spans.add()
        scope_spans.scope.name = draw(st.text(max_size=10))
        scope_spans.spans.extend(draw(st.lists(spans(), max_size=4)))
    return request


def _as_otlp_json(request: ExportTraceServiceRequest) -> bytes:
    document = json_format.MessageToDict(request)
    for resource in document.get("resourceSpans", []):
        for scope in resource.get("scopeSpans", []):
            for span in scope.get("spans", []):
                for field in ("traceId", "spanId", "parentSpanId"):
                    if field in span:
                        span[field] = base64.b64decode(span[field]).hex()
    return json.dumps(document).encode()


@pytest.fixture
def post(server: ServerThread, local_admin: LocalClient) -> Any:
    secret = local_admin.keys.create("fuzz", project="default").secret
    client = httpx2.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {secret}"}, timeout=30
    )
    yield lambda content, content_type: client.post(
        "/v1/traces", content=content, headers={"Content-Type": content_type}
    )
    client.close()


@FUZZ
@given(request=requests())
def test_no_otlp_message_gets_a_5xx(post: Any, request: ExportTraceServiceRequest) -> None:
    for content, content_type in (
        (request.SerializeToString(), "application/x-protobuf"),
        (_as_otlp_json(request), "application/json"),
    ):
        response = post(content, content_type)
        assert response.status_code in (200, 400), response.text


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        # Lone surrogates are valid in JSON text but not in protobuf strings.
        st.text(st.characters(exclude_categories=()), max_size=20),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=10,
)
span_fields = st.sampled_from(
    [
        "traceId",
        "spanId",
        "parentSpanId",
        "name",
        "kind",
        "startTimeUnixNano",
        "endTimeUnixNano",
        "attributes",
        "events",
        "links",
        "status",
        "flags",
    ]
)


@FUZZ
@given(
    raw=st.binary(max_size=200),
    span=st.dictionaries(span_fields, json_values, max_size=6),
    top=json_values,
)
def test_no_body_gets_a_5xx(post: Any, raw: bytes, span: dict[str, Any], top: Any) -> None:
    nested = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    for content, content_type in (
        (raw, "application/x-protobuf"),
        (raw, "application/json"),
        (json.dumps(nested).encode(), "application/json"),
        (json.dumps(top).encode(), "application/json"),
    ):
        response = post(content, content_type)
        assert response.status_code in (200, 400), response.text
