"""workflows and workflow_executions through the bindings."""

import datetime
import unittest

import support
import pinky

UTC = datetime.timezone.utc


class Workflows(support.DbTest):
    def setUp(self):
        super().setUp()
        self.u = support.new_user("wf")

    def wf(self, **kw):
        fields = dict(name=support.unique("wf"), steps=[{"action": "ocr"}, {"action": "file"}])
        fields.update(kw)
        return self.db.workflows.create(self.u.id, **fields)

    def test_crud(self):
        w = self.wf(description="Scan and file", triggers={"on": "upload"})
        self.assertIsInstance(w, pinky.Workflow)
        self.assertEqual((w.user_id, w.steps, w.is_active, w.triggers),
                         (self.u.id, [{"action": "ocr"}, {"action": "file"}], True,
                          {"on": "upload"}))
        self.assertEqual(self.sql.num("SELECT jsonb_array_length(steps) FROM workflows "
                                      "WHERE id = $1", w.id), 2)
        v = self.db.workflows.update(self.u.id, w.id, is_active=False, description=None,
                                     expected_updated_at=w.updated_at)
        self.assertEqual((v.is_active, v.description, v.name), (False, None, w.name))
        self.assertEqual([x.id for x in self.db.workflows.list(self.u.id, is_active=False)],
                         [w.id])
        self.assertEqual(list(self.db.workflows.list(self.u.id, name_contains="nomatch")), [])
        other = support.new_user("wf-other")
        self.assertRaises(pinky.NotFound, self.db.workflows.get, other.id, w.id)
        self.db.workflows.delete(self.u.id, w.id)
        self.assertRaises(pinky.NotFound, self.db.workflows.get, self.u.id, w.id)

    def test_bad_input(self):
        n = self.sql.num("SELECT count(*) FROM workflows")
        self.assertRaisesField(pinky.Invalid, "workflow.steps", self.wf, steps={"not": "array"})
        self.assertRaisesField(pinky.Invalid, "workflow.steps", self.wf, steps=None)
        self.assertRaisesField(pinky.Invalid, "workflow.name", self.wf, name="")
        self.assertRaisesField(pinky.Invalid, "workflow.is_active", self.wf, is_active=1)
        self.assertEqual(self.sql.num("SELECT count(*) FROM workflows"), n)

    def test_executions(self):
        w = self.wf()
        ex = self.db.workflows.executions.start(self.u.id, w.id, documents=["doc-1"])
        self.assertIsInstance(ex, pinky.WorkflowExecution)
        self.assertEqual((ex.workflow_id, ex.status, ex.documents, ex.end_time),
                         (w.id, pinky.ExecutionStatus.IN_PROGRESS, ["doc-1"], None))
        self.assertIsNotNone(ex.start_time)
        done = self.db.workflows.executions.finish(self.u.id, ex.id, "COMPLETED",
                                                   results={"filed": 1})
        self.assertEqual((done.status, done.results, done.errors),
                         (pinky.ExecutionStatus.COMPLETED, {"filed": 1}, None))
        self.assertGreaterEqual(done.end_time, done.start_time)
        self.assertEqual(self.sql.value("SELECT status FROM workflow_executions WHERE id = $1",
                                        ex.id), "COMPLETED")
        # already final: Invalid, nothing written
        self.assertRaises(pinky.Invalid, self.db.workflows.executions.finish, self.u.id, ex.id,
                          pinky.ExecutionStatus.FAILED, errors=["late"])
        self.assertIsNone(self.sql.value("SELECT errors FROM workflow_executions WHERE id = $1",
                                         ex.id))
        self.assertRaisesField(pinky.Invalid, "final_status",
                               self.db.workflows.executions.finish, self.u.id, ex.id, "DONE")
        # plain CRUD on executions
        t = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
        e2 = self.db.workflow_executions.create(self.u.id, workflow_id=w.id, status="PENDING",
                                                start_time=t)
        self.assertEqual(e2.start_time, t)
        e3 = self.db.workflow_executions.update(self.u.id, e2.id, status="FAILED",
                                                errors={"why": "test"})
        self.assertEqual((e3.status, e3.errors), (pinky.ExecutionStatus.FAILED, {"why": "test"}))
        self.assertEqual([x.id for x in self.db.workflow_executions.list(
            self.u.id, workflow_id=w.id, status=pinky.ExecutionStatus.FAILED)], [e2.id])
        self.assertEqual(len(list(self.db.workflow_executions.list(self.u.id, workflow_id=w.id,
                                                                   page_size=1))), 2)
        other = support.new_user("wfx-other")
        self.assertRaises(pinky.NotFound, self.db.workflows.executions.start, other.id, w.id)
        self.assertRaises(pinky.NotFound, self.db.workflow_executions.get, other.id, e2.id)
        self.assertRaisesField(pinky.NotFound, "workflow_id", self.db.workflow_executions.create,
                               other.id, workflow_id=w.id, status="PENDING")
        self.db.workflow_executions.delete(self.u.id, e2.id)
        self.assertEqual(self.sql.num("SELECT count(*) FROM workflow_executions "
                                      "WHERE workflow_id = $1", w.id), 1)


if __name__ == "__main__":
    unittest.main()
