"""GitHub's GraphQL schema as the fake knows it (the sampled type definitions) and its validation errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import graphql

SAMPLES = Path(__file__).resolve().parent / "api-samples" / "github"


def schema_from_sample(sdl: str) -> graphql.GraphQLSchema:
    """The sample holds GitHub's own type definitions for the types fwpulse uses, verbatim, but not
    every type they mention: those get empty stand-ins (an interface, or an object with only ``id``),
    so a query touching anything beyond the sampled types fails validation rather than passing."""
    doc = graphql.parse(sdl)
    defined = {d.name.value for d in doc.definitions if hasattr(d, "name")}
    named: set[str] = set()

    class Names(graphql.Visitor):
        def enter_named_type(self, node, *_):
            named.add(node.name.value)

    graphql.visit(doc, Names())
    interfaces = {i.name.value for d in doc.definitions for i in (getattr(d, "interfaces", None) or [])}
    builtin = {"String", "Int", "Boolean", "ID", "Float"}
    stubs = [
        f"interface {n}" if n in interfaces else f"type {n} {{ id: ID }}" for n in sorted(named - defined - builtin)
    ]
    return graphql.build_schema(sdl + "\n" + "\n".join(stubs), assume_valid=True)


GRAPHQL_SCHEMA = schema_from_sample((SAMPLES / "graphql_types.graphql").read_text(encoding="utf-8"))


def validation_errors(query: str) -> list[dict[str, Any]]:
    """A query GitHub would reject, as github.com words the errors (empty when valid)."""
    try:
        errors = graphql.validate(GRAPHQL_SCHEMA, graphql.parse(query))
    except graphql.GraphQLError as exc:
        errors = [exc]
    return [
        {
            "message": e.message,
            "locations": [{"line": loc.line, "column": loc.column} for loc in (e.locations or [])],
            "extensions": {"code": "graphqlValidation"},
        }
        for e in errors
    ]
