-- Acme Analytics: the demo app's access state for ParityRail.
-- Generated from demo/world/table.go (go test ./demo/world -update); do not edit.
--
-- The same app state as the demo Clerk instance, as an app would keep it in
-- Postgres. Load it with:  psql "$DATABASE_URL" -f app.sql
-- It creates (and replaces) the schema parityrail_demo and nothing else.
-- Trial ends are relative to when the script runs.

BEGIN;

CREATE SCHEMA IF NOT EXISTS parityrail_demo;
DROP TABLE IF EXISTS parityrail_demo.profiles;
DROP TABLE IF EXISTS parityrail_demo.organizations;

CREATE TABLE parityrail_demo.organizations (
  id                 text PRIMARY KEY,  -- the Clerk organization id
  name               text NOT NULL,
  stripe_customer_id text,
  plan               text DEFAULT 'free',
  created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE parityrail_demo.profiles (
  id                 text PRIMARY KEY,  -- the Clerk user id
  email              text NOT NULL,
  full_name          text,
  stripe_customer_id text,
  plan               text DEFAULT 'free',
  is_premium         boolean NOT NULL DEFAULT false,
  trial_ends_at      timestamptz,
  entitlements       jsonb,             -- {"feature": true}
  created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX profiles_stripe_customer_id_idx ON parityrail_demo.profiles (stripe_customer_id);
CREATE INDEX organizations_stripe_customer_id_idx ON parityrail_demo.organizations (stripe_customer_id);

INSERT INTO parityrail_demo.organizations (id, name, stripe_customer_id, plan) VALUES
  ('org_vopRh5VStpvrzyJS3KOIqeeKn0z', 'Initech', 'cus_xaSBsZADqjVi20', 'enterprise'),
  ('org_mP1yjjyrXZFvEEHeaQofqFLzjqB', 'Globex Corporation', 'cus_EPuoNMu5f1OGvw', 'pro'),
  ('org_qxkZFTaRsCPFE5ONYP4nWr0Ct7Y', 'Soylent Foods', 'cus_twD0DJo7d1jvBl', 'starter'),
  ('org_MdWzInfwDVhQiv8vrheEPWmRQcN', 'Umbrella Corporation', 'cus_fiYMYfRsheFh2w', 'free'),
  ('org_ucSMCkTW1MXpQAKneyer4FyIcHY', 'Hooli', 'cus_feOw9UmmY56g8B', 'pro'),
  ('org_DsQEHrryMUrgLPpC2VrVCHRSU40', 'Stark Industries', 'cus_HIzAf3kqKXp5G4', 'pro'),
  ('org_wxKB42FnlZSKa0odoXsR8ThBD1j', 'Wayne Enterprises', NULL, 'free');

INSERT INTO parityrail_demo.profiles (id, email, full_name, stripe_customer_id, plan, is_premium, trial_ends_at, entitlements) VALUES
  ('user_GPP6NAGj4Qhs3fgSvX4jsvHOvaZ', 'ada.okafor@example.com', 'Ada Okafor', 'cus_PwPTAsUa0J1Cya', 'pro', true, NULL, NULL),
  ('user_nIrTC8AM1tZnaYuy8uX7LjRSFMH', 'grace.whitfield@example.org', 'Grace Whitfield', 'cus_KdXboFny0GkOjM', 'enterprise', true, NULL, '{"audit_log":true,"sso":true}'),
  ('user_E0euesMOjlXrz9sqgCO8TXEqT4A', 'alan.mbeki@example.net', 'Alan Mbeki', 'cus_PLOh4u7udE2OxX', 'starter', true, NULL, NULL),
  ('user_bWMMaJ6b2gmf49z0n9a8aaBN666', 'katherine.ito@example.com', 'Katherine Ito', 'cus_dLHy4mD6FlbD1H', 'pro', true, NULL, NULL),
  ('user_rAEtnf96yLtyemMWpueMNGBfdVG', 'linus.berg@example.org', 'Linus Berg', 'cus_yRhiprnMHcFvMk', 'pro', true, now() + interval '9 days', NULL),
  ('user_v341UautRBJSlBSvOOwkVTpi3KM', 'margaret.osei@example.com', 'Margaret Osei', 'cus_r4GMj3a93X8rkj', 'starter', true, now() + interval '3 days 3 hours', NULL),
  ('user_S7roSvmQlQgbSQjm6Zn8kNmzeMG', 'dennis.novak@example.net', 'Dennis Novak', 'cus_gISzCuemgKIMlh', 'pro', true, NULL, NULL),
  ('user_wvnpExffm5GwXpZlB2M5icFepyd', 'barbara.lindqvist@example.com', 'Barbara Lindqvist', 'cus_SWDRaVH7HxbH7i', 'pro', true, NULL, NULL),
  ('user_GQAbPo2ZgYHj5KsQ6imRo31wzRP', 'ken.adeyemi@example.org', 'Ken Adeyemi', 'cus_xZ96GqSnZZHJHV', 'starter', true, NULL, NULL),
  ('user_LGytSeWQAAnrZJn8z3308lUOrQW', 'frances.duarte@example.com', 'Frances Duarte', 'cus_bjpZgsIbbXKeWF', 'free', false, NULL, NULL),
  ('user_8DFNsYxFqIpiPGKm69nzbZlpNyK', 'john.kowalski@example.net', 'John Kowalski', 'cus_83xBJyR8M5rNag', 'free', false, NULL, NULL),
  ('user_X4a3g7k5rC6gdFoJkAhaJXwzCsu', 'edgar.haas@example.com', 'Edgar Haas', 'cus_MbSTzYBNZvgxIR', 'free', false, NULL, NULL),
  ('user_14xf6OHoBEaTVwpqPX9Mc9hZ77X', 'hedda.moreau@example.org', 'Hedda Moreau', 'cus_R3yvYig0Aqvb9r', NULL, false, NULL, NULL),
  ('user_awsyQnxO6o2t6f3FuMv7dP752Vl', 'tim.akerman@example.com', 'Tim Akerman', 'cus_7tb9VgBK85ELys', 'pro', true, NULL, NULL),
  ('user_riKNHKT1vqjsiCNchbzQ67PDuYE', 'radia.castillo@example.net', 'Radia Castillo', 'cus_jC0n2nDANwaIJM', 'team', true, NULL, NULL),
  ('user_sBaEq3ch1UuL6l5p1fgSbHxvMP4', 'guido.marchetti@example.org', 'Guido Marchetti', 'cus_lcV9WH2v4qdZH2', 'pro', true, NULL, NULL),
  ('user_aYGH7v6Z1W99u896V8pbbTZo3dg', 'anita.sharma@example.com', 'Anita Sharma', 'cus_fWUEJ5GwCpb4WD', 'pro', true, NULL, NULL),
  ('user_b5qJSYP5eAf8LU6riloZCk25Uyg', 'priscilla.grant@example.net', 'Priscilla Grant', 'cus_3t7VyX0d9sj4ah', 'free', false, now() - interval '10 days', NULL),
  ('user_iVTMg14NY1Uzh48eXUJ5065Ff7U', 'sophie.laurent@example.com', 'Sophie Laurent', 'cus_2uCs67wAb5irM8', 'starter', true, NULL, NULL),
  ('user_loFkopbfZki8jonBeXen6R7Zn3W', 'bjorn.eriksen@example.org', 'Bjørn Eriksen', 'cus_KyBHLbj4gUXRos', 'pro', true, NULL, '{"priority_support":true}'),
  ('user_3usAKY4kZ6O7MSrLGQJW5P2fhEL', 'jenna.park@example.com', 'Jenna Park', 'cus_XyXoglIJIUCRhq', 'pro', true, NULL, NULL),
  ('user_MvCsZCQn3nFyRpmRvVfG5EGb4iM', 'francesca.romano@example.net', 'Francesca Romano', 'cus_ox0L5ny9ZaOhaa', 'starter', true, NULL, NULL),
  ('user_jr61lrevz7NTNmonkVkdF9Sj62l', 'ruth.abernathy@example.com', 'Ruth Abernathy', 'cus_c3ZwnivPTh1gWw', 'starter', true, NULL, NULL),
  ('user_WPhXg71dbrGREvW766ntTt5dMcx', 'kathleen.byrne@example.org', 'Kathleen Byrne', 'cus_GuvV4CKdfMMTPn', 'pro', true, NULL, NULL),
  ('user_OC7O094QESqmHaD1P7BZJrpRrvD', 'mary.nakamura@example.com', 'Mary Nakamura', 'cus_9rInT7Tkk5YDhv', 'pro', true, now() + interval '12 days', NULL),
  ('user_CPI5OE5NaCuSbpP0ZlSgYMCubEN', 'evan.brooks@example.net', 'Evan Brooks', 'cus_Q7HnMNuta1j5XJ', 'starter', true, NULL, NULL),
  ('user_5IXsvzCju9bYLucBOCtIrY3OSZu', 'annie.ezeh@example.com', 'Annie Ezeh', 'cus_oJRHQoROenblLJ', 'free', false, NULL, NULL),
  ('user_STFnmDzq4gIPO94III7yZPPo8Zs', 'joan.whitaker@example.org', 'Joan Whitaker', 'cus_bk4GRnJwYvCy9G', 'enterprise', true, NULL, '{"audit_log":true,"sso":true}'),
  ('user_ycCQqNlR7TUc52gIzvutqJzjrKE', 'ivan.petrov@example.com', 'Ivan Petrov', 'cus_2LF4jqnzbkwXVc', 'pro', true, NULL, NULL),
  ('user_qclXXtkpPh9xTmTBdDmcjWiqS5X', 'priya.raman@example.com', 'Priya Raman', 'cus_pyb2nbnpJBig30', 'free', false, NULL, NULL),
  ('user_HHMskp5J7qyyDHXq5AEHOCgY2mv', 'marcus.chen@example.net', 'Marcus Chen', 'cus_t6Ky61IVwTVV9T', 'free', false, NULL, NULL),
  ('user_GZkd32Nz2WSrGU34uH4CETO5bJN', 'sofia.alvarez@example.com', 'Sofia Alvarez', 'cus_vSIelG1izfXrEh', 'free', false, NULL, NULL),
  ('user_tvd1qQdixBczZ16QRCoX8sC1zaN', 'liam.obrien@example.org', 'Liam O''Brien', 'cus_gYUIHJ9Tge3SBX', 'free', false, NULL, NULL),
  ('user_8h2mrsqPOaIlhMkZZ0Ra7jZ4cEP', 'noah.williams@example.com', 'Noah Williams', 'cus_SuKEkhk1R5A4UL', 'starter', false, NULL, NULL),
  ('user_9b705ueURfl2QYaVDHkqURJXzfx', 'emma.schmidt@example.net', 'Emma Schmidt', 'cus_RUNkYMDKx1QQeH', 'free', false, NULL, NULL),
  ('user_Jfl4sHj7AXhLxO1tjVpdswyYKwu', 'oliver.smith@example.com', 'Oliver Smith', 'cus_P0WUpsnmt8jl2W', 'pro', true, NULL, NULL),
  ('user_Eb3vbEyP436b8iga263bDrhC6v3', 'ava.johnson@example.org', 'Ava Johnson', 'cus_ThkxDML4jIONu7', 'pro', true, NULL, NULL),
  ('user_892wmHUslgcAEllvjkmf1ZPWVFx', 'lucas.brown@example.com', 'Lucas Brown', 'cus_oGISWaOBVQUS16', 'starter', true, NULL, NULL),
  ('user_AMYZvUUemIewKLvDfLGHWSCC05w', 'mia.davis@example.net', 'Mia Davis', 'cus_gdpqiEL8jw7KfY', 'pro', true, NULL, NULL),
  ('user_eWmSFjS12jiVyx5qXcogbIkJ2RS', 'ethan.wilson@example.com', 'Ethan Wilson', 'cus_fwk35MSWj8a7OL', 'pro', true, NULL, NULL),
  ('user_tDtMS2S43XAZWQEwIYkQwqwdy5G', 'isabella.moore@example.org', 'Isabella Moore', 'cus_WZDT24vYI1RP1W', 'starter', true, NULL, NULL),
  ('user_J22vFHktezstTr9xETwgm2OmvZ6', 'mason.taylor@example.com', 'Mason Taylor', 'cus_QQMuxmYr2DvHdn', 'free', false, now() + interval '5 days', NULL),
  ('user_R44MPZlWFb06zQ1Irm7zToH2xl9', 'zoe.clark@example.net', 'Zoe Clark', 'cus_JLCj9fkJVNg6hj', 'pro', true, NULL, NULL),
  ('user_g4Bi8ld6M670BwboPAZICrOR5v6', 'jack.turner@example.com', 'Jack Turner', 'cus_DyAl6nxXZkTJJj', 'pro', true, NULL, NULL),
  ('user_jHBQPgkuypuhGygTzwN3k6zGRkr', 'chloe.martin@example.org', 'Chloe Martin', NULL, 'starter', true, NULL, NULL),
  ('user_Xrrhdk0AqBczpuVjyabBstzXiVC', 'daniel.lee@example.com', 'Daniel Lee', 'cus_R5vI7urAwpT7I2', 'pro', true, NULL, '{"audit_log":true,"sso":true}'),
  ('user_JQdRWAe4KRxfcacYbbYvquAXnx5', 'amelia.walker@example.net', 'Amelia Walker', 'cus_44RIMhMewanmzs', 'starter', true, NULL, NULL),
  ('user_bQtIbl9gg24dKqthYRio5KTG6hn', 'henry.hall@example.com', 'Henry Hall', 'cus_KKDmWIEV4L3H8I', 'Pro', true, NULL, NULL),
  ('user_rFJbQxSvhbpWrv81TIDnDodYKpp', 'charlotte.young@example.org', 'Charlotte Young', 'cus_g3z4h5QTEiFXih', 'pro', true, now() + interval '4 days', NULL),
  ('user_j1wv8GxKvxGiPKH3FgVja5vamSk', 'james.king@example.com', 'James King', 'cus_BxFe2Eudt3tEJh', 'starter', true, NULL, NULL),
  ('user_fYhL8xIbmV3kuUDBXJr69Qkz1p2', 'evelyn.wright@example.net', 'Evelyn Wright', 'cus_lR9gvjmSgXffuh', 'enterprise', true, NULL, '{"sso":true}'),
  ('user_oepCZZRcWuBLwwILInT7id3eEN2', 'benjamin.scott@example.com', 'Benjamin Scott', 'cus_9wa7ZY2Mcieyjn', 'pro', true, NULL, '{"audit_log":false,"sso":true}'),
  ('user_KxxHgkALiZLUJkB7TDyIkWi5lpm', 'samuel.green@example.com', 'Samuel Green', 'cus_yX3YwofIboSope', 'pro', true, NULL, NULL),
  ('user_K2Kdn55XzcfAKEeZFep23yUVLkz', 'sam.green@example.net', 'Sam Green', 'cus_yX3YwofIboSope', 'pro', true, NULL, NULL),
  ('user_l4Kmn6Oj1rwBjO1LjM9g0hUbcM7', 'lily.adams@example.org', 'Lily Adams', 'cus_rkSGAfR8gFPMME', 'starter', true, NULL, NULL),
  ('user_A45fSKyC259dFw4KXYI195UXV9X', 'lily.adams+work@example.org', 'Lily Adams', 'cus_rkSGAfR8gFPMME', 'free', false, NULL, NULL),
  ('user_OhT0W9QycMsPNx1Ek6dW7WjWd3Y', 'yusuf.demir@example.com', 'Yusuf Demir', NULL, 'free', false, NULL, NULL),
  ('user_9ABNXpumeFuAHBMwGhDW3i2l4Nh', 'aiko.tanaka@example.net', 'Aiko Tanaka', NULL, NULL, false, NULL, NULL),
  ('user_5kfO0igSQmLoOBRxsxcd0v91aFU', 'lars.nilsson@example.org', 'Lars Nilsson', NULL, 'free', false, NULL, NULL),
  ('user_gl6vOX0Mcu2kVgpM6TVUgo3vH4g', 'fatima.khan@example.com', 'Fatima Khan', NULL, 'free', false, now() - interval '40 days', NULL),
  ('user_PuQut8tM74imV2AIZ7ottne68ME', 'peter.gibbons@initech.example', 'Peter Gibbons', NULL, 'free', false, NULL, NULL);

COMMIT;
