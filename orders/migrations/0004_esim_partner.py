"""Each eSIM carries its order's partner, so a partner's eSIM list is one index range.

The column is filled from the orders, then made mandatory; a composite foreign key
(order, partner) → orders_order (id, partner_id) makes the database refuse an eSIM whose
partner is not its order's, whatever code writes it.
"""

import django.db.models.deletion
from django.db import migrations, models

HELP = (
    "The order's partner, copied so a partner's eSIM list is one index range "
    "(the database refuses any other partner than the order's)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_portal_email_occasion"),
        ("partners", "0003_webhooks"),
    ]

    operations = [
        migrations.AddField(
            model_name="esim",
            name="partner",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                help_text=HELP,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="esims",
                to="partners.partner",
            ),
        ),
        migrations.RunSQL(
            "UPDATE orders_esim e SET partner_id = o.partner_id "
            "FROM orders_order o WHERE o.id = e.order_id",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="esim",
            name="partner",
            field=models.ForeignKey(
                db_index=False,
                help_text=HELP,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="esims",
                to="partners.partner",
            ),
        ),
        migrations.AddIndex(
            model_name="esim",
            index=models.Index(fields=["partner", "-id"], name="esim_partner_newest"),
        ),
        migrations.RunSQL(
            [
                "CREATE UNIQUE INDEX order_id_partner ON orders_order (id, partner_id)",
                "ALTER TABLE orders_esim ADD CONSTRAINT esim_partner_is_the_orders "
                "FOREIGN KEY (order_id, partner_id) REFERENCES orders_order (id, partner_id)",
            ],
            reverse_sql=[
                "ALTER TABLE orders_esim DROP CONSTRAINT esim_partner_is_the_orders",
                "DROP INDEX order_id_partner",
            ],
        ),
    ]
