-- Issue 21. The read and repair roles step 3 suggests keep their name and
-- password per project until someone regenerates them (sealed).
CREATE TABLE role_credentials (
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('read', 'repair')),
    role            TEXT NOT NULL,
    sealed_password TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (project_id, kind)
);
