-- 0004: keep embeddings in the row.
-- A vector(1536) is 6 kB, over the TOAST threshold, so by default it is
-- compressed-or-moved out of line, which makes a full scan look cheap to the
-- planner and every exact distance computation fetch from TOAST.  MAIN keeps
-- the value inline (it is moved out only when a row could not fit a page
-- otherwise).  Rows written before this migration keep their storage until
-- they are rewritten.
ALTER TABLE communications ALTER COLUMN content_vector SET STORAGE MAIN;
