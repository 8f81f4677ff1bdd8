"""The dashboard's sales rollup (``SalesDay``), kept by a trigger, and two partial indexes.

The trigger is created before the backfill: CREATE TRIGGER locks ``orders_order`` against
writes until this migration commits, so no order is counted twice or missed.
"""

import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models

# An order counts for its total_price on its UTC day unless it is failed, in the slot its id
# picks (16 = orders.models.SALES_DAY_SLOTS). Updates that change none of that (e.g.
# provisioning -> completed) touch nothing, so settling an order locks no rollup row.
TRIGGER = """
CREATE FUNCTION orders_sales_day_add(
    p_day date, p_partner bigint, p_currency varchar, p_slot integer,
    p_orders integer, p_revenue numeric
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO orders_salesday (day, partner_id, currency, slot, orders, revenue)
    VALUES (p_day, p_partner, p_currency, p_slot, p_orders, p_revenue)
    ON CONFLICT (day, partner_id, currency, slot) DO UPDATE
        SET orders = orders_salesday.orders + EXCLUDED.orders,
            revenue = orders_salesday.revenue + EXCLUDED.revenue;
END $$;

CREATE FUNCTION orders_sales_day_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND (OLD.status <> 'failed') = (NEW.status <> 'failed')
        AND OLD.created_at = NEW.created_at AND OLD.partner_id = NEW.partner_id
        AND OLD.currency = NEW.currency AND OLD.total_price = NEW.total_price THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status <> 'failed' THEN
        PERFORM orders_sales_day_add(
            (OLD.created_at AT TIME ZONE 'UTC')::date, OLD.partner_id, OLD.currency,
            (OLD.id % 16)::integer, -1, -OLD.total_price);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status <> 'failed' THEN
        PERFORM orders_sales_day_add(
            (NEW.created_at AT TIME ZONE 'UTC')::date, NEW.partner_id, NEW.currency,
            (NEW.id % 16)::integer, 1, NEW.total_price);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER orders_sales_day_track
    AFTER INSERT OR DELETE OR UPDATE OF status, created_at, partner_id, currency, total_price
    ON orders_order FOR EACH ROW EXECUTE FUNCTION orders_sales_day_track();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS orders_sales_day_track ON orders_order;
DROP FUNCTION IF EXISTS orders_sales_day_track();
DROP FUNCTION IF EXISTS orders_sales_day_add(date, bigint, varchar, integer, integer, numeric);
"""

BACKFILL = """
INSERT INTO orders_salesday (day, partner_id, currency, slot, orders, revenue)
SELECT (created_at AT TIME ZONE 'UTC')::date, partner_id, currency, (id % 16)::integer,
       count(*), sum(total_price)
FROM orders_order WHERE status <> 'failed'
GROUP BY 1, 2, 3, 4;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0006_esim_staff_retries'),
        ('partners', '0003_webhooks'),
        ('profiles', '0003_import_speed'),
    ]

    operations = [
        migrations.CreateModel(
            name='SalesDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('currency', models.CharField(max_length=3)),
                ('slot', models.PositiveSmallIntegerField(help_text='order id modulo SALES_DAY_SLOTS')),
                ('orders', models.IntegerField(default=0)),
                ('revenue', models.DecimalField(decimal_places=2, default=Decimal('0.00'), max_digits=12)),
            ],
            options={
                'verbose_name': 'sales day',
                'ordering': ['-day', 'partner', 'currency', 'slot'],
            },
        ),
        migrations.AddIndex(
            model_name='esim',
            index=models.Index(condition=models.Q(('failure_outcome', 'quarantined'), ('status', 'failed')), fields=['-id'], name='esim_quarantined'),
        ),
        migrations.AddIndex(
            model_name='order',
            index=models.Index(condition=models.Q(('status', 'failed')), fields=['created_at'], name='order_failed'),
        ),
        migrations.AddField(
            model_name='salesday',
            name='partner',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='partners.partner'),
        ),
        migrations.AddConstraint(
            model_name='salesday',
            constraint=models.UniqueConstraint(fields=('day', 'partner', 'currency', 'slot'), name='sales_day_slot_once'),
        ),
        migrations.RunSQL(TRIGGER, reverse_sql=DROP_TRIGGER),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
