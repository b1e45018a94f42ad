"""The service's own payment and refund ids start at SERVICE_ID_FLOOR (strangler.service.ids)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from strangler.service.ids import reserve_service_ids


def _reserve(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    reserve_service_ids(schema_editor.connection, ("payments_payment", "payments_refund"))


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(_reserve, migrations.RunPython.noop)]
