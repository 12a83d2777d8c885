-- Social login. An identity is one provider's subject (byte for byte: providers'
-- ids are case-sensitive), linked to exactly one account.
create table social_identities (
    provider varchar(20) not null,
    subject varbinary(255) not null,
    user_id bigint not null,
    created_at datetime(6) not null default current_timestamp(6),
    primary key (provider, subject),
    key ix_social_identities_user (user_id),
    constraint fk_social_identities_user foreign key (user_id) references users (id)
) engine = InnoDB;

-- A browser's authorization request in flight: the PKCE verifier stays here, found by
-- the digest of the request's state and taken (deleted) by the one callback that
-- answers it, within ten minutes.
create table oauth_requests (
    state_hash binary(32) not null primary key,
    provider varchar(20) not null,
    code_verifier varchar(128) not null,
    next_path varchar(2000) not null,
    expires_at datetime(6) not null,
    key ix_oauth_requests_expiry (expires_at)
) engine = InnoDB default charset = utf8mb4 collate = utf8mb4_unicode_ci;
