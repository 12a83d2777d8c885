//! Statuses and kinds kept as text in the database (MariaDB `enum` columns, or text a
//! query computes) and as Rust enums everywhere else, so a page or a rule compares
//! variants, never strings, and an unknown value read back is an error, not a silent
//! default.
//!
//! `text_enum!` gives an enum its text (`as_str`, `FromStr`) and lets sqlx bind it and
//! read it wherever text is (an `enum` column arrives as a string; the query macros
//! name it with an override such as `status as "status: TicketStatus"`).

/// Implements text conversion and sqlx's MariaDB encoding for a fieldless enum, one
/// text per variant: `text_enum!(TicketStatus { Valid => "VALID", ... })`.
macro_rules! text_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            /// The variant's text, as the database keeps it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// A variant equals its text, as clients and the database spell it.
        impl PartialEq<&str> for $name {
            fn eq(&self, text: &&str) -> bool {
                self.as_str() == *text
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::db::text_enum::UnknownText;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::db::text_enum::UnknownText {
                        kind: stringify!($name),
                        text: other.to_string(),
                    }),
                }
            }
        }

        impl sqlx::Type<sqlx::MySql> for $name {
            fn type_info() -> sqlx::mysql::MySqlTypeInfo {
                <str as sqlx::Type<sqlx::MySql>>::type_info()
            }

            fn compatible(ty: &sqlx::mysql::MySqlTypeInfo) -> bool {
                <str as sqlx::Type<sqlx::MySql>>::compatible(ty)
            }
        }

        impl<'r> sqlx::Decode<'r, sqlx::MySql> for $name {
            fn decode(
                value: sqlx::mysql::MySqlValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<sqlx::MySql>>::decode(value)?;
                Ok(text.parse()?)
            }
        }

        impl sqlx::Encode<'_, sqlx::MySql> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut Vec<u8>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<sqlx::MySql>>::encode(self.as_str(), buf)
            }
        }
    };
}
pub(crate) use text_enum;

/// Text the database holds that no variant of the enum names.
#[derive(Debug, thiserror::Error)]
#[error("{kind}: unknown value {text:?}")]
pub struct UnknownText {
    pub kind: &'static str,
    pub text: String,
}

#[cfg(test)]
mod tests {
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Light {
        Red,
        Green,
    }
    text_enum!(Light { Red => "RED", Green => "GREEN" });

    #[test]
    fn each_variant_reads_back_from_its_text() {
        for light in [Light::Red, Light::Green] {
            assert_eq!(light.as_str().parse::<Light>().unwrap(), light);
        }
        assert_eq!(Light::Green.to_string(), "GREEN");
        assert_eq!(Light::Red, "RED");
        let unknown = "AMBER".parse::<Light>().unwrap_err();
        assert_eq!(unknown.to_string(), "Light: unknown value \"AMBER\"");
    }
}
