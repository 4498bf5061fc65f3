"""Contract: scores, score configs and feedback behave the same locally and over HTTP."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from llmloop.client.local import LocalClient
from llmloop.client.protocols import Client
from llmloop.domain.clock import ManualClock
from llmloop.domain.projects import Principal
from llmloop.domain.scores import ScoreConfigSpec, ScoreDataType, ScoreSource
from llmloop.errors import ConflictError, NotFoundError, ValidationError

TRACE = "0af7651916cd43dd8448eb211c80319c"
OTHER_TRACE = "1bf7651916cd43dd8448eb211c80319d"
SPAN = "b7ad6b7169203331"


def test_each_data_type_is_stored_and_read_back(project_client: Client) -> None:
    numeric = project_client.scores.add(TRACE, "faithfulness", 0.75, comment="mostly grounded")
    category = project_client.scores.add(TRACE, "tone", "polite", span_id=SPAN)
    flag = project_client.scores.add(
        TRACE, "resolved", False, source="evaluator", metadata={"judge": "gpt"}
    )
    assert (numeric.data_type, numeric.value, numeric.string_value) == (
        ScoreDataType.NUMERIC,
        0.75,
        None,
    )
    assert numeric.comment == "mostly grounded"
    assert numeric.source is ScoreSource.HUMAN
    assert (category.data_type, category.value, category.string_value) == (
        ScoreDataType.CATEGORICAL,
        None,
        "polite",
    )
    assert category.span_id == SPAN
    assert (flag.data_type, flag.value, flag.string_value) == (ScoreDataType.BOOLEAN, 0.0, "false")
    assert flag.source is ScoreSource.EVALUATOR
    assert flag.metadata == {"judge": "gpt"}
    assert numeric.author
    assert numeric.author.startswith(("key:", "local:"))
    assert project_client.scores.get(numeric.score_id) == numeric
    listed = project_client.scores.list(trace_id=TRACE)
    assert {s.score_id for s in listed.items} == {
        numeric.score_id,
        category.score_id,
        flag.score_id,
    }
    assert listed.next_cursor is None


def test_an_integer_is_numeric_and_an_explicit_type_must_match(project_client: Client) -> None:
    assert project_client.scores.add(TRACE, "stars", 4).value == 4.0
    with pytest.raises(ValidationError, match="value: 'yes' is not a boolean value"):
        project_client.scores.add(TRACE, "ok", "yes", data_type="boolean")
    with pytest.raises(ValidationError, match="value: must be a finite number"):
        project_client.scores.add(TRACE, "ok", float("nan"))
    with pytest.raises(ValidationError, match="value: must be a finite number"):
        project_client.scores.add(TRACE, "ok", 10**400)
    assert [s.name for s in project_client.scores.list().items] == ["stars"]


def test_bad_input_names_the_field_and_stores_nothing(project_client: Client) -> None:
    with pytest.raises(ValidationError, match="trace_id"):
        project_client.scores.add("not-a-trace", "x", 1)
    with pytest.raises(ValidationError, match="span_id"):
        project_client.scores.add(TRACE, "x", 1, span_id="XYZ")
    with pytest.raises(ValidationError, match="source"):
        project_client.scores.add(TRACE, "x", 1, source="robot")
    with pytest.raises(ValidationError, match="name"):
        project_client.scores.add(TRACE, "", 1)
    assert project_client.scores.list().items == []


def test_configs_constrain_type_range_and_category(project_client: Client) -> None:
    project_client.scores.set_config(
        "faithfulness",
        ScoreConfigSpec(data_type=ScoreDataType.NUMERIC, min_value=0, max_value=1),
    )
    project_client.scores.set_config(
        "tone",
        ScoreConfigSpec(
            data_type=ScoreDataType.CATEGORICAL,
            categories=["polite", "rude"],
            description="How the answer sounds",
        ),
    )
    with pytest.raises(ValidationError, match=r"value: 1.5 is above the maximum 1"):
        project_client.scores.add(TRACE, "faithfulness", 1.5)
    with pytest.raises(ValidationError, match=r"value: -0.1 is below the minimum 0"):
        project_client.scores.add(TRACE, "faithfulness", -0.1)
    with pytest.raises(ValidationError, match="data_type: score 'faithfulness' is configured"):
        project_client.scores.add(TRACE, "faithfulness", "high", data_type="categorical")
    with pytest.raises(ValidationError, match="value: True is not a numeric value"):
        project_client.scores.add(TRACE, "faithfulness", True)
    with pytest.raises(ValidationError, match="'snarky' is not a category of score 'tone'"):
        project_client.scores.add(TRACE, "tone", "snarky")
    assert project_client.scores.list().items == []
    assert project_client.scores.add(TRACE, "faithfulness", 1).value == 1.0
    assert project_client.scores.add(TRACE, "tone", "rude").string_value == "rude"
    # A name without a config is accepted as it comes.
    assert project_client.scores.add(TRACE, "free-form", 42).value == 42.0


def test_configs_are_created_updated_listed_and_validated(project_client: Client) -> None:
    first = project_client.scores.set_config(
        "rating", ScoreConfigSpec(data_type=ScoreDataType.NUMERIC, min_value=1, max_value=10)
    )
    updated = project_client.scores.set_config(
        "rating", ScoreConfigSpec(data_type=ScoreDataType.NUMERIC, min_value=0, max_value=10)
    )
    assert updated.min_value == 0
    assert updated.created_at == first.created_at
    assert [c.name for c in project_client.scores.list_configs()] == ["rating"]
    assert project_client.scores.get_config("rating") == updated
    with pytest.raises(NotFoundError, match="score config 'nope' does not exist"):
        project_client.scores.get_config("nope")
    bad_specs = [
        ({"data_type": "categorical"}, "categories"),
        ({"data_type": "boolean", "min_value": 0}, "min_value"),
        ({"data_type": "numeric", "min_value": 2, "max_value": 1}, "min_value"),
        ({"data_type": "numeric", "categories": ["a"]}, "categories"),
    ]
    for data, field in bad_specs:
        with pytest.raises(Exception, match=field):
            project_client.scores.set_config("broken", ScoreConfigSpec.model_validate(data))
    assert [c.name for c in project_client.scores.list_configs()] == ["rating"]


def test_the_same_idempotency_key_stores_one_score(project_client: Client) -> None:
    first = project_client.scores.add(TRACE, "helpful", True, idempotency_key="review-17")
    again = project_client.scores.add(TRACE, "helpful", True, idempotency_key="review-17")
    assert again == first
    with pytest.raises(ConflictError, match="'review-17' was already used for a different score"):
        project_client.scores.add(TRACE, "helpful", False, idempotency_key="review-17")
    assert [s.score_id for s in project_client.scores.list().items] == [first.score_id]


def test_concurrent_retries_with_one_key_store_one_row(local_admin: LocalClient) -> None:
    results: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def retry() -> None:
        try:
            start.wait()
            score = local_admin.scores.add(TRACE, "helpful", 1, idempotency_key="burst")
            results.append(score.score_id)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1
    assert len(results) == 8
    assert len(local_admin.scores.list().items) == 1


def test_listing_filters_and_pages_newest_first(local_admin: LocalClient) -> None:
    clock = local_admin.context.clock
    assert isinstance(clock, ManualClock)
    t0 = clock.now()
    made = []
    for i in range(5):
        made.append(local_admin.scores.add(TRACE if i % 2 else OTHER_TRACE, "q", i))
        clock.advance(60)
    local_admin.scores.feedback(TRACE, thumbs=True)
    page = local_admin.scores.list(name="q", limit=2)
    assert [s.value for s in page.items] == [4.0, 3.0]
    assert page.next_cursor is not None
    page2 = local_admin.scores.list(name="q", limit=2, cursor=page.next_cursor)
    assert [s.value for s in page2.items] == [2.0, 1.0]
    page3 = local_admin.scores.list(name="q", limit=2, cursor=page2.next_cursor)
    assert [s.value for s in page3.items] == [0.0]
    assert page3.next_cursor is None
    assert [s.value for s in local_admin.scores.list(trace_id=TRACE, name="q").items] == [3, 1]
    window = local_admin.scores.list(start=t0 + timedelta(minutes=1), end=t0 + timedelta(minutes=3))
    assert [s.value for s in window.items] == [2.0, 1.0]
    feedback = local_admin.scores.list(source="user_feedback")
    assert [s.name for s in feedback.items] == ["thumbs"]
    with pytest.raises(ValidationError, match="start: must be before end"):
        local_admin.scores.list(start=t0, end=t0)
    with pytest.raises(ValidationError, match="cursor"):
        local_admin.scores.list(cursor="garbage!")


def test_time_windows_and_cursors_work_the_same_over_http(
    project_client: Client, clock: ManualClock
) -> None:
    t0 = clock.now()
    for minute in range(4):
        project_client.scores.add(TRACE, "latency-ok", minute % 2 == 0)
        clock.advance(60)
    window = project_client.scores.list(
        start=t0 + timedelta(minutes=1), end=t0 + timedelta(minutes=3), limit=1
    )
    assert [s.created_at for s in window.items] == [t0 + timedelta(minutes=2)]
    rest = project_client.scores.list(
        start=t0 + timedelta(minutes=1), end=t0 + timedelta(minutes=3), cursor=window.next_cursor
    )
    assert [s.created_at for s in rest.items] == [t0 + timedelta(minutes=1)]
    assert rest.next_cursor is None


def test_feedback_is_a_user_feedback_score(project_client: Client) -> None:
    up = project_client.scores.feedback(
        TRACE, thumbs=True, comment="great", user_id="u-42", idempotency_key="fb-1"
    )
    assert (up.name, up.data_type, up.value, up.source) == (
        "thumbs",
        ScoreDataType.BOOLEAN,
        1.0,
        ScoreSource.USER_FEEDBACK,
    )
    assert up.metadata == {"user_id": "u-42"}
    assert up.comment == "great"
    assert (
        project_client.scores.feedback(
            TRACE, thumbs=True, comment="great", user_id="u-42", idempotency_key="fb-1"
        )
        == up
    )
    rated = project_client.scores.feedback(TRACE, rating=4, span_id=SPAN)
    assert (rated.name, rated.value, rated.span_id) == ("rating", 4.0, SPAN)
    assert len(project_client.scores.list(source="user_feedback").items) == 2


def test_bad_feedback_names_the_field_and_stores_nothing(project_client: Client) -> None:
    with pytest.raises(ValidationError, match=r"rating: 6 is above the maximum 5"):
        project_client.scores.feedback(TRACE, rating=6)
    with pytest.raises(ValidationError, match=r"rating: 0 is below the minimum 1"):
        project_client.scores.feedback(TRACE, rating=0)
    with pytest.raises(ValidationError, match="exactly one of thumbs or rating"):
        project_client.scores.feedback(TRACE)
    with pytest.raises(ValidationError, match="exactly one of thumbs or rating"):
        project_client.scores.feedback(TRACE, thumbs=True, rating=5)
    with pytest.raises(ValidationError, match="comment"):
        project_client.scores.feedback(TRACE, thumbs=False, comment="x" * 2001)
    with pytest.raises(ValidationError, match="trace_id"):
        project_client.scores.feedback("nope", thumbs=False)
    assert project_client.scores.list().items == []


def test_a_rating_config_replaces_the_default_scale(project_client: Client) -> None:
    project_client.scores.set_config(
        "rating", ScoreConfigSpec(data_type=ScoreDataType.NUMERIC, min_value=0, max_value=10)
    )
    assert project_client.scores.feedback(TRACE, rating=9).value == 9.0
    with pytest.raises(ValidationError, match=r"rating: 11 is above the maximum 10"):
        project_client.scores.feedback(TRACE, rating=11)


def test_scores_belong_to_their_project(local_admin: LocalClient, project_client: Client) -> None:
    local_admin.projects.create("billing")
    billing = LocalClient(
        local_admin.context.database,
        Principal(actor="local:billing", project="billing", admin=False),
        clock=local_admin.context.clock,
    )
    theirs = billing.scores.add(TRACE, "faithfulness", 0.1, idempotency_key="shared-key")
    billing.scores.set_config("faithfulness", ScoreConfigSpec(data_type=ScoreDataType.BOOLEAN))
    assert project_client.scores.list().items == []
    assert project_client.scores.list_configs() == []
    with pytest.raises(NotFoundError):
        project_client.scores.get(theirs.score_id)
    # The same idempotency key in another project is another score, not a conflict.
    mine = project_client.scores.add(TRACE, "faithfulness", 0.9, idempotency_key="shared-key")
    assert mine.score_id != theirs.score_id
    assert mine.value == 0.9
