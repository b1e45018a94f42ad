"""The migration step that gives a producer's outbox model its table, or adopts the table
an earlier layout of the producer left in the database.

A producer's outbox can move to an app of its own (the monolith's did at stage 2, so that the
outbox arrives in the tree with the stage that uses it) while keeping its table name: a
database that already has the table, with unsent rows in it, keeps them and its indexes.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def create_or_adopt(app_label: str, model_name: str) -> Any:
    """A ``RunPython`` operation to put after the model's ``CreateModel`` (state only).

    A new database gets the table; one that has it already (the same ``db_table``, made by an
    earlier app) keeps it and its rows, and gains whichever of the model's indexes it lacks.
    Reversed, the table is dropped, as a reversed ``CreateModel`` would.
    """

    def forwards(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model = apps.get_model(app_label, model_name)
        table = model._meta.db_table
        connection = schema_editor.connection
        if table not in connection.introspection.table_names():
            schema_editor.create_model(model)
            return
        with connection.cursor() as cursor:
            existing = connection.introspection.get_constraints(cursor, table)
        for index in model._meta.indexes:
            if index.name not in existing:
                schema_editor.add_index(model, index)

    def backwards(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
        schema_editor.delete_model(apps.get_model(app_label, model_name))

    return migrations.RunPython(forwards, backwards)
