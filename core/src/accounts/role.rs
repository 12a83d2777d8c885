//! What an account may do: a USER books, an ADMIN also runs the catalog and the waiting
//! rooms. Kept in `users.role`; read afresh with the session, never trusted from a token.

use crate::db::text_enum;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    User,
    Admin,
}

text_enum!(Role {
    User => "USER",
    Admin => "ADMIN",
});
