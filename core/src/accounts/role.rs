//! What an account may do: a USER books, an ADMIN also runs the catalog and the waiting
//! rooms. Kept in `users.role`; read afresh with the session, never trusted from a token.

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_db(self) -> &'static str {
        match self {
            Role::User => "USER",
            Role::Admin => "ADMIN",
        }
    }

    pub fn from_db(value: &str) -> Self {
        if value == "ADMIN" {
            Role::Admin
        } else {
            Role::User
        }
    }
}
