-- A browser signs in with an HttpOnly cookie instead of tokens. The cookie's secret is
-- kept only as a SHA-256 digest on the login session it opened, so whatever revokes
-- that session (logout, refresh-token reuse) or ends the account (withdrawal) cuts the
-- browser off at once, exactly as it cuts off an access token.
alter table auth_sessions
    add column cookie_hash binary(32) null,
    add column cookie_expires_at datetime(6) null,
    add unique key uq_auth_sessions_cookie (cookie_hash);
