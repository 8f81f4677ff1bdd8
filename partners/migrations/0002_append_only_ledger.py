"""The database itself refuses UPDATE and DELETE on ledger entries (TRUNCATE stays possible)."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION partners_refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only: post an adjustment instead'
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER partners_ledgerentry_append_only
    BEFORE UPDATE OR DELETE ON partners_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION partners_refuse_ledger_change();
"""

BACKWARD = """
DROP TRIGGER partners_ledgerentry_append_only ON partners_ledgerentry;
DROP FUNCTION partners_refuse_ledger_change();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
