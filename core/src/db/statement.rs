//! A statement whose text and binds are pushed together, for the SQL that cannot be a
//! literal: the statements that apply a shared rule (`crate::rules`) and the lists with
//! optional filters.
//!
//! A placeholder can only come from `bind`, which pushes the `?` and its value in one
//! call; `push` refuses text with a `?` in it. So the n-th value is always the n-th
//! placeholder's, however many rules a statement splices in and in whatever order, and
//! a unit test can read a statement back with its values in place (`spelled`) to prove
//! each placeholder binds what it means.

use chrono::{DateTime, Utc};
use sqlx::mysql::{MySqlArguments, MySqlRow};
use sqlx::query::{Query, QueryAs, QueryScalar};
use sqlx::{Arguments, FromRow, MySql};

/// A value bound to one placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Bool(bool),
    Time(DateTime<Utc>),
    Text(String),
    Null,
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Value::Int(value)
    }
}

impl From<i32> for Value {
    fn from(value: i32) -> Self {
        Value::Int(value.into())
    }
}

impl From<u32> for Value {
    fn from(value: u32) -> Self {
        Value::Int(value.into())
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Value::Bool(value)
    }
}

impl From<DateTime<Utc>> for Value {
    fn from(value: DateTime<Utc>) -> Self {
        Value::Time(value)
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Value::Text(value.to_string())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Value::Text(value)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

/// What a rule (`crate::rules`) applies to: a value bound in its place, or a column
/// of the statement around it (a correlated rule, evaluated per row).
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Bound(Value),
    Column(&'static str),
}

impl From<i64> for Operand {
    fn from(value: i64) -> Self {
        Operand::Bound(Value::Int(value))
    }
}

/// A column of the surrounding statement, as a rule's operand.
pub fn column(name: &'static str) -> Operand {
    Operand::Column(name)
}

/// SQL text and the values of its placeholders, in order.
#[derive(Debug, Clone, Default)]
pub struct Statement {
    sql: String,
    values: Vec<Value>,
}

impl Statement {
    pub fn new(sql: &str) -> Self {
        let mut statement = Statement::default();
        statement.push(sql);
        statement
    }

    /// Appends SQL text. A placeholder in it would take a value nobody bound next to
    /// it, so there must be none: values go in with `bind`.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        assert!(
            !sql.contains('?'),
            "a placeholder is pushed with its value (Statement::bind): {sql}"
        );
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder and the value it takes.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.sql.push('?');
        self.values.push(value.into());
        self
    }

    /// Appends an operand: its placeholder and value, or the column's name.
    pub fn operand(&mut self, operand: &Operand) -> &mut Self {
        match operand {
            Operand::Bound(value) => self.bind(value.clone()),
            Operand::Column(name) => {
                assert!(
                    name.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'),
                    "a column operand is a plain name: {name}"
                );
                self.push(name)
            }
        }
    }

    /// Appends `?, ?, ...` for an `in (...)` list, one placeholder per id.
    pub fn bind_list(&mut self, ids: &[i64]) -> &mut Self {
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.bind(*id);
        }
        self
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The statement as sqlx runs it: prepared once per text (sqlx caches it on the
    /// connection), the values bound in order.
    pub fn query(&self) -> Query<'_, MySql, MySqlArguments> {
        sqlx::query_with(&self.sql, self.arguments())
    }

    pub fn query_as<T>(&self) -> QueryAs<'_, MySql, T, MySqlArguments>
    where
        T: for<'r> FromRow<'r, MySqlRow>,
    {
        sqlx::query_as_with(&self.sql, self.arguments())
    }

    pub fn query_scalar<T>(&self) -> QueryScalar<'_, MySql, T, MySqlArguments>
    where
        (T,): for<'r> FromRow<'r, MySqlRow>,
    {
        sqlx::query_scalar_with(&self.sql, self.arguments())
    }

    fn arguments(&self) -> MySqlArguments {
        let mut arguments = MySqlArguments::default();
        for value in &self.values {
            let added = match value {
                Value::Int(v) => arguments.add(*v),
                Value::Bool(v) => arguments.add(*v),
                Value::Time(v) => arguments.add(*v),
                Value::Text(v) => arguments.add(v.clone()),
                Value::Null => arguments.add(None::<i64>),
            };
            // Encoding these types into a buffer cannot fail.
            added.expect("a bound value encodes");
        }
        arguments
    }

    /// The text with each placeholder replaced by its value as a SQL literal, white
    /// space folded: for tests and logs that must show what a statement means.
    pub fn spelled(&self) -> String {
        let mut values = self.values.iter();
        let mut out = String::with_capacity(self.sql.len());
        for c in self.sql.chars() {
            if c != '?' {
                out.push(c);
                continue;
            }
            match values.next() {
                Some(Value::Int(v)) => out.push_str(&v.to_string()),
                Some(Value::Bool(v)) => out.push_str(if *v { "true" } else { "false" }),
                Some(Value::Time(v)) => {
                    out.push('\'');
                    out.push_str(&v.format("%Y-%m-%d %H:%M:%S%.6f").to_string());
                    out.push('\'');
                }
                Some(Value::Text(v)) => {
                    out.push('\'');
                    out.push_str(&v.replace('\'', "''"));
                    out.push('\'');
                }
                Some(Value::Null) => out.push_str("null"),
                None => out.push_str("<unbound>"),
            }
        }
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_stands_at_its_own_placeholder() {
        let mut statement = Statement::new("select * from seats where schedule_id = ");
        statement
            .bind(7_i64)
            .push(" and id in (")
            .bind_list(&[1, 2, 3])
            .push(") and hold_user_id = ")
            .bind(Some(9_i64))
            .push(" and note = ")
            .bind("it's");
        assert_eq!(
            statement.spelled(),
            "select * from seats where schedule_id = 7 and id in (1, 2, 3) \
             and hold_user_id = 9 and note = 'it''s'"
        );
        assert_eq!(
            statement.sql().matches('?').count(),
            statement.values().len()
        );
    }

    #[test]
    #[should_panic(expected = "a placeholder is pushed with its value")]
    fn pushed_text_cannot_carry_a_placeholder() {
        Statement::new("select 1 from users where id = ?");
    }

    #[test]
    fn a_missing_value_is_absent_as_null() {
        let mut statement = Statement::new("select ");
        statement.bind(None::<i64>);
        assert_eq!(statement.spelled(), "select null");
    }
}
