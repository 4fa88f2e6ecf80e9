"""properties and property_transactions (exact decimals) through the bindings."""

import datetime
import unittest
from decimal import Decimal

import support
import pinky

UTC = datetime.timezone.utc


class Properties(support.DbTest):
    def setUp(self):
        super().setUp()
        self.u = support.new_user("prop")

    def prop(self, **kw):
        fields = dict(address={"street": "1 Main St", "city": "Springfield"},
                      property_type="house", status="LISTED")
        fields.update(kw)
        return self.db.properties.create(self.u.id, **fields)

    def test_decimals_are_exact(self):
        p = self.prop(listing_price=Decimal("1234567.89"), size_sqft="1500.5", bathrooms=2,
                      bedrooms=3, year_built=1999, features=["garden"])
        self.assertIsInstance(p, pinky.Property)
        self.assertEqual((p.listing_price, p.size_sqft, p.bathrooms),
                         (Decimal("1234567.89"), Decimal("1500.50"), Decimal("2.0")))
        self.assertIsInstance(p.listing_price, Decimal)
        self.assertEqual(str(p.size_sqft), "1500.50")
        self.assertEqual(self.sql.rows("SELECT listing_price::text, size_sqft::text, "
                                       "bathrooms::text FROM properties WHERE id = $1", p.id),
                         [["1234567.89", "1500.50", "2.0"]])
        q = self.db.properties.update(self.u.id, p.id, listing_price=Decimal("0.01"),
                                      bathrooms=Decimal("2.5"), size_sqft=None)
        self.assertEqual((q.listing_price, q.bathrooms, q.size_sqft, q.bedrooms),
                         (Decimal("0.01"), Decimal("2.5"), None, 3))
        big = self.db.properties.update(self.u.id, p.id,
                                        listing_price=Decimal("9999999999999.99"))
        self.assertEqual(big.listing_price, Decimal("9999999999999.99"))
        self.assertEqual(self.sql.value("SELECT listing_price::text FROM properties "
                                        "WHERE id = $1", p.id), "9999999999999.99")

    def test_bad_decimals(self):
        n = self.sql.num("SELECT count(*) FROM properties")
        self.assertRaisesField(pinky.Invalid, "property.listing_price", self.prop,
                               listing_price=12.5)      # float: never
        self.assertRaisesField(pinky.Invalid, "property.listing_price", self.prop,
                               listing_price="1.234")   # no silent rounding
        self.assertRaisesField(pinky.Invalid, "property.bathrooms", self.prop,
                               bathrooms=Decimal("123.5"))   # DECIMAL(3,1)
        self.assertRaisesField(pinky.Invalid, "property.listing_price", self.prop,
                               listing_price=Decimal("10000000000000"))   # DECIMAL(15,2)
        self.assertRaisesField(pinky.Invalid, "property.address", self.prop, address=None)
        self.assertRaisesField(pinky.Invalid, "property.status", self.prop, status="s" * 51)
        self.assertEqual(self.sql.num("SELECT count(*) FROM properties"), n)

    def test_set_status_and_list(self):
        p = self.prop()
        q = self.db.properties.set_status(self.u.id, p.id, "UNDER_CONTRACT", note="offer in")
        self.assertEqual(q.status, "UNDER_CONTRACT")
        self.assertEqual(len(q.timeline), 1)
        entry = q.timeline[0]
        self.assertEqual((entry["status"], entry["from"], entry["note"]),
                         ("UNDER_CONTRACT", "LISTED", "offer in"))
        r = self.db.properties.set_status(self.u.id, p.id, "SOLD")
        self.assertEqual([t["status"] for t in r.timeline], ["UNDER_CONTRACT", "SOLD"])
        self.assertIsNone(r.timeline[1]["note"])
        self.assertEqual(self.sql.num("SELECT jsonb_array_length(timeline) FROM properties "
                                      "WHERE id = $1", p.id), 2)
        self.assertRaisesField(pinky.Invalid, "status", self.db.properties.set_status, self.u.id,
                               p.id, "")
        other = support.new_user("prop-other")
        self.assertRaises(pinky.NotFound, self.db.properties.set_status, other.id, p.id, "X")
        self.assertRaises(pinky.NotFound, self.db.properties.get, other.id, p.id)
        p2 = self.prop(property_type="condo")
        self.assertEqual([x.id for x in self.db.properties.list(self.u.id, property_type="condo")],
                         [p2.id])
        self.assertEqual([x.id for x in self.db.properties.list(self.u.id, status="SOLD")],
                         [p.id])
        self.db.properties.delete(self.u.id, p2.id)
        self.assertRaises(pinky.NotFound, self.db.properties.get, self.u.id, p2.id)

    def test_transactions(self):
        p = self.prop()
        d1 = datetime.datetime(2024, 5, 1, tzinfo=UTC)
        t = self.db.properties.transactions.create(
            self.u.id, property_id=p.id, transaction_type="OFFER", status="OPEN",
            amount=Decimal("350000.00"), transaction_date=d1, parties=[{"name": "Buyer"}])
        self.assertIsInstance(t, pinky.PropertyTransaction)
        self.assertEqual((t.amount, t.transaction_date, t.parties),
                         (Decimal("350000.00"), d1, [{"name": "Buyer"}]))
        self.assertEqual(self.sql.value("SELECT amount::text FROM property_transactions "
                                        "WHERE id = $1", t.id), "350000.00")
        t2 = self.db.property_transactions.create(self.u.id, property_id=p.id,
                                                  transaction_type="SALE", status="CLOSED")
        u = self.db.property_transactions.update(self.u.id, t.id, amount="349999.99",
                                                 status="ACCEPTED",
                                                 expected_updated_at=t.updated_at)
        self.assertEqual((u.amount, u.status), (Decimal("349999.99"), "ACCEPTED"))
        self.assertEqual([x.id for x in self.db.property_transactions.list(
            self.u.id, property_id=p.id)], [t.id, t2.id])   # dated first, undated last
        self.assertEqual([x.id for x in self.db.property_transactions.list(
            self.u.id, transaction_type="SALE")], [t2.id])
        other = support.new_user("ptx-other")
        self.assertRaisesField(pinky.NotFound, "property_id",
                               self.db.property_transactions.create, other.id, property_id=p.id,
                               transaction_type="X", status="Y")
        self.assertRaises(pinky.NotFound, self.db.property_transactions.get, other.id, t.id)
        self.db.properties.delete(self.u.id, p.id)   # cascades
        self.assertRaises(pinky.NotFound, self.db.property_transactions.get, self.u.id, t.id)


if __name__ == "__main__":
    unittest.main()
