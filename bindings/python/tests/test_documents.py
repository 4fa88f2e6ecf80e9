"""documents, document_versions and document_tags through the bindings."""

import unittest
import uuid

import support
import pinky


class Documents(support.DbTest):
    def setUp(self):
        super().setUp()
        self.u = support.new_user("docs")

    def doc(self, **kw):
        fields = dict(title=support.unique("doc"), path="/docs/a.pdf", platform="UBUNTU")
        fields.update(kw)
        return self.db.documents.create(self.u.id, **fields)

    def test_round_trip(self):
        conn = self.db.platform_connections.create(self.u.id, name="c", platform="UBUNTU",
                                                   root_path="/", credentials={})
        d = self.doc(category="TAX", connection_id=conn.id, size=2**40, mime_type="application/pdf",
                     metadata={"year": 2023, "tags": ["a", "b"], "nested": {"x": None}})
        self.assertIsInstance(d, pinky.Document)
        self.assertEqual((d.user_id, d.category, d.connection_id, d.size, d.version),
                         (self.u.id, pinky.DocumentCategory.TAX, conn.id, 2**40, 1))
        self.assertEqual(d.metadata, {"year": 2023, "tags": ["a", "b"], "nested": {"x": None}})
        self.assertEqual(self.db.documents.get(self.u.id, d.id), d)
        self.assertEqual(self.sql.rows("SELECT category, metadata->>'year', size FROM documents "
                                       "WHERE id = $1", d.id), [["TAX", "2023", str(2**40)]])
        # the first version was recorded with the document
        vs = list(self.db.documents.versions.list(self.u.id, document_id=d.id))
        self.assertEqual([(v.version_number, v.path, v.size, v.created_by) for v in vs],
                         [(1, "/docs/a.pdf", 2**40, self.u.id)])

    def test_update_mask(self):
        d = self.doc(category="LEGAL", mime_type="text/plain", metadata={"a": 1})
        e = self.db.documents.update(self.u.id, d.id, title="New", category=None,
                                     metadata=pinky.RawJson('{"b": 2}'),
                                     expected_updated_at=d.updated_at)
        self.assertEqual((e.title, e.category, e.metadata, e.mime_type, e.path),
                         ("New", None, {"b": 2}, "text/plain", d.path))
        self.assertEqual(self.sql.rows("SELECT title, category, mime_type FROM documents "
                                       "WHERE id = $1", d.id), [["New", None, "text/plain"]])
        self.assertRaises(pinky.Conflict, self.db.documents.update, self.u.id, d.id, title="x",
                          expected_updated_at=d.updated_at)
        self.assertRaises(TypeError, self.db.documents.update, self.u.id, d.id, user_id=5)

    def test_bad_input_and_tenancy(self):
        n = self.sql.num("SELECT count(*) FROM documents")
        self.assertRaisesField(pinky.Invalid, "document.title", self.doc, title="t" * 256)
        self.assertRaisesField(pinky.Invalid, "document.path", self.doc, path="")
        self.assertRaisesField(pinky.Invalid, "document.category", self.doc, category="RECEIPTS")
        self.assertRaisesField(pinky.Invalid, "document.metadata", self.doc,
                               metadata=pinky.RawJson("{bad"))
        self.assertRaisesField(pinky.Invalid, "document.connection_id", self.doc,
                               connection_id="zzz")
        self.assertRaisesField(pinky.NotFound, "connection_id", self.doc,
                               connection_id=uuid.uuid4())
        self.assertRaisesField(pinky.NotFound, "user_id", self.db.documents.create, 2**31 - 1,
                               title="t", path="/p", platform="WEB")
        self.assertEqual(self.sql.num("SELECT count(*) FROM documents"), n)
        d = self.doc()
        other = support.new_user("docs-other")
        self.assertRaises(pinky.NotFound, self.db.documents.get, other.id, d.id)
        self.assertRaises(pinky.NotFound, self.db.documents.update, other.id, d.id, title="x")
        self.assertRaises(pinky.NotFound, self.db.documents.delete, other.id, d.id)
        self.assertRaises(pinky.NotFound, self.db.documents.tags.add, other.id, d.id, "t")
        self.assertRaises(pinky.NotFound, self.db.documents.new_version, other.id, d.id,
                          path="/p2")
        self.assertEqual(list(self.db.documents.list(other.id)), [])
        self.assertEqual(self.sql.value("SELECT title FROM documents WHERE id = $1", d.id),
                         d.title)
        self.db.documents.delete(self.u.id, d.id)
        self.assertRaises(pinky.NotFound, self.db.documents.get, self.u.id, d.id)
        self.assertEqual(self.sql.num("SELECT count(*) FROM document_versions "
                                      "WHERE document_id = $1", d.id), 0)

    def test_list_filters_and_pages(self):
        made = [self.doc(category="TAX" if i % 2 else "LEGAL", title="Report %d" % i).id
                for i in range(9)]
        got = [d.id for d in self.db.documents.list(self.u.id, page_size=2)]
        self.assertEqual(got, made)
        tax = [d.id for d in self.db.documents.list(self.u.id, category=pinky.DocumentCategory.TAX,
                                                    page_size=2)]
        self.assertEqual(tax, made[1::2])
        self.assertEqual([d.id for d in self.db.documents.list(self.u.id,
                                                               title_contains="REPORT 3")],
                         [made[3]])
        p = self.db.documents.page(self.u.id, limit=5)
        self.assertEqual(len(p.items), 5)
        p2 = self.db.documents.page(self.u.id, limit=5, cursor=p.next_cursor)
        self.assertEqual([d.id for d in p.items + p2.items], made)
        self.assertIsNone(p2.next_cursor)

    def test_versions(self):
        d = self.doc()
        v2 = self.db.documents.new_version(self.u.id, d.id, path="/docs/a-v2.pdf", size=5,
                                           hash="abc", comment="second")
        self.assertIsInstance(v2, pinky.DocumentVersion)
        self.assertEqual((v2.version_number, v2.document_id, v2.comment, v2.created_by),
                         (2, d.id, "second", self.u.id))
        self.assertEqual(self.db.documents.get(self.u.id, d.id).version, 2)
        self.assertEqual(self.sql.num("SELECT version FROM documents WHERE id = $1", d.id), 2)
        self.assertRaises(TypeError, self.db.documents.new_version, self.u.id, d.id,
                          path="/x", version_number=9)
        with self.assertRaises(pinky.Conflict) as cm:
            self.db.documents.versions.create(self.u.id, document_id=d.id, version_number=2,
                                              path="/dup")
        self.assertEqual(cm.exception.constraint,
                         "document_versions_document_id_version_number_key")
        v9 = self.db.document_versions.create(self.u.id, document_id=d.id, version_number=9,
                                              path="/nine")
        v9b = self.db.document_versions.update(self.u.id, v9.id, comment="nine", size=None)
        self.assertEqual((v9b.comment, v9b.path), ("nine", "/nine"))
        self.assertEqual([v.version_number for v in
                          self.db.documents.versions.list(self.u.id, document_id=d.id)],
                         [1, 2, 9])
        self.assertEqual(self.db.documents.new_version(self.u.id, d.id, path="/ten")
                         .version_number, 10)
        self.db.document_versions.delete(self.u.id, v9.id)
        self.assertRaises(pinky.NotFound, self.db.document_versions.get, self.u.id, v9.id)

    def test_tags(self):
        a, b, c = self.doc(), self.doc(), self.doc()
        self.db.documents.tags.add(self.u.id, a.id, "tax")
        self.db.documents.tags.add(self.u.id, a.id, "2023")
        self.db.documents.tags.add(self.u.id, a.id, "tax")    # again: fine
        self.db.documents.tags.set(self.u.id, b.id, ["tax", "receipt", "tax"])
        self.db.document_tags.add(self.u.id, c.id, "receipt")
        tags = list(self.db.documents.tags.list(self.u.id, a.id))
        self.assertEqual([t.tag for t in tags], ["2023", "tax"])
        self.assertIsInstance(tags[0], pinky.DocumentTag)
        self.assertEqual(tags[0].document_id, a.id)
        self.assertEqual(self.db.documents.tags.names(self.u.id, b.id), ["receipt", "tax"])
        self.assertEqual(self.db.documents.tags.names(self.u.id, b.id, tag_prefix="r"),
                         ["receipt"])
        self.assertEqual([d.id for d in self.db.documents.list(self.u.id, tag="tax")],
                         [a.id, b.id])
        self.assertEqual([d.id for d in self.db.documents.list_by_tags(self.u.id,
                                                                       ["tax", "receipt"])],
                         [b.id])
        self.assertEqual(self.db.documents.page_by_tags(self.u.id, []).items[0].id, a.id)
        self.db.documents.tags.remove(self.u.id, a.id, "tax")
        self.assertRaises(pinky.NotFound, self.db.documents.tags.remove, self.u.id, a.id, "tax")
        self.assertEqual(self.sql.num("SELECT count(*) FROM document_tags WHERE document_id = $1",
                                      a.id), 1)
        # bad tags: nothing written
        self.assertRaisesField(pinky.Invalid, "tag", self.db.documents.tags.add, self.u.id, a.id,
                               "")
        e = self.assertRaisesField(pinky.Invalid, "tag", self.db.documents.tags.set, self.u.id,
                                   a.id, ["ok", ""])
        self.assertIn("tags[1]", e.message)
        self.assertRaisesField(pinky.Invalid, "tags", self.db.documents.tags.set, self.u.id,
                               a.id, "notalist")
        self.assertRaisesField(pinky.Invalid, "tags[0]", self.db.documents.list_by_tags,
                               self.u.id, [3])
        self.assertEqual(self.db.documents.tags.names(self.u.id, a.id), ["2023"])
        self.db.documents.tags.set(self.u.id, a.id, [])
        self.assertEqual(self.db.documents.tags.names(self.u.id, a.id), [])


if __name__ == "__main__":
    unittest.main()
