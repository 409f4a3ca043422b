-- Keyset paging for the incidents list sorted by last seen or first seen
-- (newest first): the order's columns behind the project, and behind a
-- single status (the common "open" filter), so a page is an index range,
-- never a sort. Severity order is covered by the 0003 indexes.
CREATE INDEX incidents_by_last_seen ON incidents (project_id, last_seen_at DESC, seq DESC);
CREATE INDEX incidents_by_status_last_seen ON incidents (project_id, status, last_seen_at DESC, seq DESC);
CREATE INDEX incidents_by_first_seen ON incidents (project_id, first_seen_at DESC, seq DESC);
CREATE INDEX incidents_by_status_first_seen ON incidents (project_id, status, first_seen_at DESC, seq DESC);
-- Search (?q=) scans this small index for the substring instead of every
-- row of the table.
CREATE INDEX incidents_search ON incidents (project_id, search);
