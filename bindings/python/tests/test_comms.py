"""communications (vectors, tags, ingest, similarity) through the bindings."""

import array
import datetime
import math
import random
import unittest

import support
import pinky

UTC = datetime.timezone.utc
DIM = pinky.COMM_VECTOR_DIM


def vec(seed):
    r = random.Random(seed)
    return array.array("f", (r.uniform(-1, 1) for _ in range(DIM)))


class Communications(support.DbTest):
    def setUp(self):
        super().setUp()
        self.u = support.new_user("comm")

    def comm(self, **kw):
        fields = dict(source="gmail", communication_date=datetime.datetime(2024, 4, 1, tzinfo=UTC))
        fields.update(kw)
        return self.db.communications.create(self.u.id, **fields)

    def test_round_trip_with_vector(self):
        v = vec(1)
        c = self.comm(source_id="m-1", sender="ann@example.org",
                      recipients=["bob@example.org"], subject="Lease", content="Hello",
                      content_vector=v, attachments=[{"name": "a.pdf"}], metadata={"thread": 7})
        self.assertIsInstance(c, pinky.Communication)
        self.assertEqual(len(c.content_vector), DIM)
        self.assertEqual(c.content_vector, list(v))      # bit-exact float32 round trip
        self.assertEqual((c.recipients, c.attachments, c.metadata),
                         (["bob@example.org"], [{"name": "a.pdf"}], {"thread": 7}))
        got = self.db.communications.get(self.u.id, c.id)
        self.assertEqual(got, c)
        self.assertEqual(self.sql.num("SELECT vector_dims(content_vector) FROM communications "
                                      "WHERE id = $1", c.id), DIM)
        self.assertAlmostEqual(float(self.sql.value(
            "SELECT (content_vector::real[])[1] FROM communications WHERE id = $1", c.id)),
            v[0], places=6)
        # a plain list works too; clearing and infinity dates
        d = self.db.communications.update(self.u.id, c.id, content_vector=[0.5] * DIM,
                                          communication_date=pinky.INFINITY, subject=None)
        self.assertEqual((d.content_vector[:2], d.communication_date, d.subject),
                         ([0.5, 0.5], pinky.INFINITY, None))
        self.assertEqual(self.sql.value("SELECT communication_date::text FROM communications "
                                        "WHERE id = $1", c.id), "infinity")
        e = self.db.communications.update(self.u.id, c.id, content_vector=None)
        self.assertIsNone(e.content_vector)
        self.assertIsNone(self.sql.value("SELECT content_vector FROM communications "
                                         "WHERE id = $1", c.id))

    def test_bad_input(self):
        n = self.sql.num("SELECT count(*) FROM communications")
        self.assertRaisesField(pinky.Invalid, "comm.content_vector", self.comm,
                               content_vector=[1.0] * 3)
        bad = list(vec(2))
        bad[100] = math.nan
        self.assertRaisesField(pinky.Invalid, "comm.content_vector", self.comm, content_vector=bad)
        self.assertRaisesField(pinky.Invalid, "comm.content_vector", self.comm,
                               content_vector="abc")
        self.assertRaisesField(pinky.Invalid, "comm.communication_date", self.comm,
                               communication_date=None)
        self.assertRaisesField(pinky.Invalid, "comm.communication_date", self.comm,
                               communication_date=datetime.datetime(2024, 1, 1))
        self.assertRaisesField(pinky.Invalid, "comm.source", self.comm, source="s" * 51)
        self.assertEqual(self.sql.num("SELECT count(*) FROM communications"), n)

    def test_list_order_filters_tenancy(self):
        days = [3, 1, 2]
        made = {d: self.comm(subject="Day %d" % d, source="slack" if d == 2 else "gmail",
                             communication_date=datetime.datetime(2024, 1, d, tzinfo=UTC))
                for d in days}
        self.assertEqual([c.id for c in self.db.communications.list(self.u.id, page_size=1)],
                         [made[3].id, made[2].id, made[1].id])   # most recent first
        self.assertEqual([c.id for c in self.db.communications.list(self.u.id, source="slack")],
                         [made[2].id])
        self.assertEqual([c.id for c in self.db.communications.list(
            self.u.id, communication_date_from=datetime.datetime(2024, 1, 2, tzinfo=UTC))],
            [made[3].id, made[2].id])
        self.assertEqual([c.id for c in self.db.communications.list(self.u.id,
                                                                    subject_contains="day 1")],
                         [made[1].id])
        other = support.new_user("comm-other")
        self.assertRaises(pinky.NotFound, self.db.communications.get, other.id, made[1].id)
        self.assertRaises(pinky.NotFound, self.db.communications.delete, other.id, made[1].id)
        self.assertEqual(list(self.db.communications.list(other.id)), [])
        self.db.communications.delete(self.u.id, made[1].id)
        self.assertRaises(pinky.NotFound, self.db.communications.get, self.u.id, made[1].id)

    def test_tags(self):
        c = self.comm()
        self.db.communications.tags.add(self.u.id, c.id, "urgent")
        self.db.communication_tags.set(self.u.id, c.id, ["urgent", "lease"])
        tags = list(self.db.communications.tags.list(self.u.id, c.id))
        self.assertEqual([t.tag for t in tags], ["lease", "urgent"])
        self.assertIsInstance(tags[0], pinky.CommTag)
        self.assertEqual(tags[0].communication_id, c.id)
        self.assertEqual([x.id for x in self.db.communications.list(self.u.id, tag="lease")],
                         [c.id])
        self.db.communications.tags.remove(self.u.id, c.id, "lease")
        self.assertEqual(self.db.communications.tags.names(self.u.id, c.id), ["urgent"])
        self.assertRaisesField(pinky.Invalid, "tag", self.db.communications.tags.add, self.u.id,
                               c.id, "t" * 256)
        other = support.new_user("ct-other")
        self.assertRaises(pinky.NotFound, self.db.communications.tags.list(other.id, c.id)
                          .__next__)
        self.assertEqual(self.sql.num("SELECT count(*) FROM communication_tags "
                                      "WHERE communication_id = $1", c.id), 1)

    def test_ingest(self):
        d = datetime.datetime(2024, 6, 1, tzinfo=UTC)
        items = [dict(source="imap", communication_date=d, subject="bulk %d" % i,
                      content_vector=vec(100 + i) if i % 2 else None) for i in range(20)]
        tags = [["bulk"] + (["odd"] if i % 2 else []) for i in range(20)]
        ids = self.db.communications.ingest(self.u.id, items, tags)
        self.assertEqual(len(ids), 20)
        got = self.db.communications.get(self.u.id, ids[3])
        self.assertEqual((got.subject, got.content_vector), ("bulk 3", list(vec(103))))
        self.assertEqual(self.db.communications.tags.names(self.u.id, ids[3]), ["bulk", "odd"])
        self.assertEqual(self.sql.num("SELECT count(*) FROM communications WHERE source = 'imap' "
                                      "AND user_id = $1", self.u.id), 20)
        self.assertEqual(self.db.communications.ingest(self.u.id, []), [])
        # one bad item: the whole batch is rejected, naming it
        n = self.sql.num("SELECT count(*) FROM communications")
        bad = items[:3] + [dict(source="", communication_date=d)]
        e = self.assertRaisesField(pinky.Invalid, "source", self.db.communications.ingest,
                                   self.u.id, bad)
        self.assertIn("items[3]", e.message)
        e = self.assertRaisesField(pinky.Invalid, "content_vector",
                                   self.db.communications.ingest, self.u.id,
                                   items[:1] + [dict(source="x", communication_date=d,
                                                     content_vector="no")])
        self.assertIn("items[1]", e.message)
        self.assertRaisesField(pinky.Invalid, "tags", self.db.communications.ingest, self.u.id,
                               items[:2], [["a"]])
        self.assertRaises(pinky.NotFound, self.db.communications.ingest, 2**31 - 1, items[:1])
        self.assertEqual(self.sql.num("SELECT count(*) FROM communications"), n)

    def test_similar(self):
        base = vec(7)
        near = array.array("f", (x + 0.01 for x in base))
        far = vec(8)
        a = self.comm(subject="exact", content_vector=base)
        b = self.comm(subject="near", content_vector=near, source="slack")
        c = self.comm(subject="far", content_vector=far)
        self.comm(subject="no vector")
        m = self.db.communications.similar(self.u.id, base, k=3)
        self.assertEqual([x.communication.id for x in m], [a.id, b.id, c.id])
        self.assertIsInstance(m[0], pinky.Match)
        self.assertAlmostEqual(m[0].distance, 0.0, places=5)
        self.assertLess(m[1].distance, m[2].distance)
        comm, dist = m[1]
        self.assertEqual(comm.subject, "near")
        exact = self.db.communications.similar(self.u.id, base, k=10, exact=True)
        self.assertEqual([x.communication.id for x in exact], [a.id, b.id, c.id])
        self.assertEqual([x.communication.id for x in self.db.communications.similar(
            self.u.id, base, k=5, source="slack")], [b.id])
        self.assertRaisesField(pinky.Invalid, "query", self.db.communications.similar, self.u.id,
                               [1.0] * 10)
        self.assertRaisesField(pinky.Invalid, "k", self.db.communications.similar, self.u.id,
                               base, k=0)
        self.assertRaises(TypeError, self.db.communications.similar, self.u.id, base, sauce="x")
        other = support.new_user("sim-other")
        self.assertEqual(self.db.communications.similar(other.id, base, k=3), [])


if __name__ == "__main__":
    unittest.main()
