-- A successful login gives its address the attempt back, so a carrier address that
-- many people log in from does not lock them all out. Unbounded, that let anyone with
-- one account alternate a success and a guess at someone else's email forever. The
-- attempts given back are counted per window and stop at the address limit, so one
-- address gets at most twice its limit of guesses in a window.
alter table login_attempts
    add column given_back int not null default 0 after attempts,
    add constraint ck_login_attempts_given_back check (given_back >= 0);
