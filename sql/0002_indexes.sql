-- 0002: indexes for every foreign key and for the queries libpinky runs.
-- Lists page by keyset on (owner, order key, id); nullable order keys are
-- wrapped in COALESCE exactly as the library's queries write them.

-- foreign keys not already led by a primary key or unique constraint
CREATE INDEX platform_connections_user_idx ON platform_connections
  (user_id, COALESCE(created_at, '-infinity'::timestamptz), id);
CREATE INDEX sync_operations_connection_idx ON sync_operations (connection_id, start_time, id);
CREATE INDEX documents_user_idx ON documents
  (user_id, COALESCE(created_at, '-infinity'::timestamptz), id);
CREATE INDEX documents_connection_idx ON documents (connection_id);
CREATE INDEX document_versions_created_by_idx ON document_versions (created_by);
CREATE INDEX workflows_user_idx ON workflows
  (user_id, COALESCE(created_at, '-infinity'::timestamptz), id);
CREATE INDEX workflow_executions_workflow_idx ON workflow_executions (workflow_id, start_time, id);
CREATE INDEX communications_user_idx ON communications (user_id, communication_date, id);
CREATE INDEX properties_user_idx ON properties
  (user_id, COALESCE(created_at, '-infinity'::timestamptz), id);
CREATE INDEX property_transactions_property_idx ON property_transactions
  (property_id, COALESCE(transaction_date, 'infinity'::timestamptz), id);
CREATE INDEX audit_logs_user_idx ON audit_logs
  (user_id, COALESCE(created_at, '-infinity'::timestamptz), id);

-- queries
CREATE INDEX audit_logs_created_idx ON audit_logs
  (COALESCE(created_at, '-infinity'::timestamptz), id);
CREATE INDEX document_tags_tag_idx ON document_tags (tag, document_id);
CREATE INDEX communication_tags_tag_idx ON communication_tags (tag, communication_id);
CREATE INDEX communications_source_idx ON communications (user_id, source, communication_date);

-- similarity search: cosine distance through HNSW
CREATE INDEX communications_content_vector_hnsw ON communications
  USING hnsw (content_vector vector_cosine_ops);
