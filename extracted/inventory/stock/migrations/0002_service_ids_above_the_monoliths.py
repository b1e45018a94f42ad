"""The service's own stock and reservation ids start at SERVICE_ID_FLOOR (see stock/ids.py)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from extracted.inventory.stock.ids import reserve_service_ids


def _reserve(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    reserve_service_ids(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunPython(_reserve, migrations.RunPython.noop)]
