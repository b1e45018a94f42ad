"""The service's own stock and reservation ids start at SERVICE_ID_FLOOR (strangler.service.ids)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from strangler.service.ids import reserve_service_ids


def _reserve(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    reserve_service_ids(
        schema_editor.connection, ("inventory_stockitem", "inventory_reservation")
    )


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunPython(_reserve, migrations.RunPython.noop)]
