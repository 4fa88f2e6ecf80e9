-- 0003: keep every updated_at current on UPDATE.
-- The new value is the wall clock, but always at least one microsecond past
-- the old one, so every update changes updated_at and optimistic concurrency
-- (compare the updated_at you read) cannot miss a write.

CREATE FUNCTION pinky_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := GREATEST(clock_timestamp(), OLD.updated_at + interval '1 microsecond');
  RETURN NEW;
END
$$;

CREATE TRIGGER users_touch BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION pinky_touch_updated_at();
CREATE TRIGGER user_preferences_touch BEFORE UPDATE ON user_preferences
  FOR EACH ROW EXECUTE FUNCTION pinky_touch_updated_at();
CREATE TRIGGER platform_connections_touch BEFORE UPDATE ON platform_connections
  FOR EACH ROW EXECUTE FUNCTION pinky_touch_updated_at();
CREATE TRIGGER sync_items_touch BEFORE UPDATE ON sync_items
  FOR EACH ROW EXECUTE FUNCTION pinky_touch_updated_at();
CREATE TRIGGER documents_touch BEFORE UPDATE ON documents
  FOR EACH ROW EXECUTE FUNCTION pinky_touch_updated_at();
CREATE TRIGGER workflows_touch BEFORE UPDATE ON workflows
  FOR EACH ROW EXECUTE FUNCTION pinky_touch_updated_at();
CREATE TRIGGER communications_touch BEFORE UPDATE ON communications
  FOR EACH ROW EXECUTE FUNCTION pinky_touch_updated_at();
CREATE TRIGGER properties_touch BEFORE UPDATE ON properties
  FOR EACH ROW EXECUTE FUNCTION pinky_touch_updated_at();
CREATE TRIGGER property_transactions_touch BEFORE UPDATE ON property_transactions
  FOR EACH ROW EXECUTE FUNCTION pinky_touch_updated_at();
CREATE TRIGGER api_keys_touch BEFORE UPDATE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION pinky_touch_updated_at();
CREATE TRIGGER system_settings_touch BEFORE UPDATE ON system_settings
  FOR EACH ROW EXECUTE FUNCTION pinky_touch_updated_at();
