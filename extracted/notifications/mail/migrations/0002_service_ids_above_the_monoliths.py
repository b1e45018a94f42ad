"""The service's own notification ids start at SERVICE_ID_FLOOR (see mail/ids.py)."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from extracted.notifications.mail.ids import reserve_service_ids


def _reserve(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    reserve_service_ids(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(_reserve, migrations.RunPython.noop)]
