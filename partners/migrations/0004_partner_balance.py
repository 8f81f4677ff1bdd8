"""A running balance per partner, kept by the database from the append-only ledger.

The ledger stays the truth; the balance row is its sum, updated by a trigger in the transaction
that posts each entry, and filled here from the existing entries.
"""

import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models

FORWARD = """
INSERT INTO partners_partnerbalance (partner_id, amount)
    SELECT partner_id, sum(amount) FROM partners_ledgerentry GROUP BY partner_id;

CREATE FUNCTION partners_ledger_add_to_balance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO partners_partnerbalance (partner_id, amount)
        VALUES (NEW.partner_id, NEW.amount)
        ON CONFLICT (partner_id)
        DO UPDATE SET amount = partners_partnerbalance.amount + EXCLUDED.amount;
    RETURN NULL;
END $$;
CREATE TRIGGER partners_ledgerentry_running_balance
    AFTER INSERT ON partners_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION partners_ledger_add_to_balance();

CREATE FUNCTION partners_refuse_balance_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'a balance is the sum of the ledger: post a ledger entry instead'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER partners_partnerbalance_ledger_only
    BEFORE INSERT OR UPDATE OR DELETE ON partners_partnerbalance
    FOR EACH ROW EXECUTE FUNCTION partners_refuse_balance_write();
"""

BACKWARD = """
DROP TRIGGER partners_partnerbalance_ledger_only ON partners_partnerbalance;
DROP FUNCTION partners_refuse_balance_write();
DROP TRIGGER partners_ledgerentry_running_balance ON partners_ledgerentry;
DROP FUNCTION partners_ledger_add_to_balance();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0003_webhooks'),
    ]

    operations = [
        migrations.CreateModel(
            name='PartnerBalance',
            fields=[
                ('partner', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='running_balance', serialize=False, to='partners.partner')),
                ('amount', models.DecimalField(decimal_places=2, default=Decimal('0'), max_digits=14)),
            ],
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
