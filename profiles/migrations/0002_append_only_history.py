"""The database itself refuses UPDATE and DELETE on profile history (TRUNCATE stays possible)."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION profiles_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: rows are never updated or deleted', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER profiles_profileevent_append_only
    BEFORE UPDATE OR DELETE ON profiles_profileevent
    FOR EACH ROW EXECUTE FUNCTION profiles_refuse_change();
"""

BACKWARD = """
DROP TRIGGER profiles_profileevent_append_only ON profiles_profileevent;
DROP FUNCTION profiles_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
