"""The erDiagram writer and the grammar check it is tested with."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pglint.plan.mermaid import (
    attribute_word,
    entity_token,
    render,
    validate_er,
)
from pglint.plan.model import Column, ErEntity, ErRelationship

VALID = """\
erDiagram
    %% a comment
    "public.orders" {
        bigint id PK
        bigint customer_id FK "references customers"
        varchar(40) code UK
        text[] tags
        numeric(10_2) total PK, FK
    }
    customers {
        bigint id PK
    }
    "customers" ||--o{ "public.orders" : "customer_id"
    customers |o--o| "public.orders" : places
    lonely
"""


def test_a_valid_diagram_passes():
    assert validate_er(VALID) == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("graph TD\n    a --> b\n", "must start with 'erDiagram'"),
        ("erDiagram\n    one {\n        int id\n    }\n", "starts with a Mermaid keyword"),
        ("erDiagram\n    tokens ||--o{ b : x\n", "starts with a Mermaid keyword"),
        ('erDiagram\n    "t" {\n        int pk\n    }\n', "read as a key marker"),
        ('erDiagram\n    "t" {\n        double precision x\n    }\n', "not an attribute"),
        ('erDiagram\n    "t" {\n        int id PRIMARY\n    }\n', "not an attribute"),
        ('erDiagram\n    "t" {\n        int id\n', "not closed"),
        ('erDiagram\n    "a" ||--x{ "b" : "l"\n', "not an entity"),
        ('erDiagram\n    "a" ||--o{ "b"\n', "not an entity"),
        ('erDiagram\n    "a%b" ||--o{ "b" : "l"\n', "not an entity"),
        ('erDiagram\n    "a" ||--o{ "b" : "l" extra\n', "not an entity"),
        ("erDiagram\n    a b c\n", "not an entity"),
    ],
)
def test_the_validator_rejects_what_mermaid_rejects(text, problem):
    errors = validate_er(text)
    assert errors and any(problem in e for e in errors), errors


def test_awkward_names_are_quoted_or_sanitised():
    assert entity_token('we"ird%name\\x') == '"we_ird_name_x"'
    assert entity_token("end") == '"end"'
    assert attribute_word("double precision") == "double_precision"
    assert attribute_word("numeric(10, 2)") == "numeric(10_2)"
    assert attribute_word("PK") == "PK_"
    assert attribute_word("2fa") == "_2fa"
    assert attribute_word("Zeit-Stempel") == "Zeit-Stempel"
    assert attribute_word("größe") == "gr__e"


names = st.text(min_size=1, max_size=20)


@settings(max_examples=200, deadline=None)
@given(
    tables=st.lists(names, min_size=1, max_size=4, unique=True),
    columns=st.lists(st.tuples(names, names, st.booleans()), min_size=0, max_size=5),
    label=names,
)
def test_any_names_render_to_a_valid_diagram(tables, columns, label):
    entities = [
        ErEntity(
            table,
            "new",
            tuple(
                Column(name, type_, not_null, primary_key=not_null, unique=False, references=table)
                for name, type_, not_null in columns
            ),
        )
        for table in tables
    ]
    relationships = [
        ErRelationship(tables[0], t, (label,), (), label, optional, False)
        for t, optional in zip(tables[1:], [True, False, True], strict=False)
    ]
    text = render(entities, relationships)
    assert validate_er(text) == [], text
