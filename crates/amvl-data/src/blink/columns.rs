//! Typed reads of one row of an Arrow column, whatever its physical string, binary or list type.

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_schema::DataType;

/// The text at `row` of a string column (integers are read as their decimal text); `None` when
/// null or of another type.
pub(super) fn string_at(a: &dyn Array, row: usize) -> Option<String> {
    if a.is_null(row) {
        return None;
    }
    match a.data_type() {
        DataType::Utf8 => Some(a.as_string::<i32>().value(row).to_string()),
        DataType::LargeUtf8 => Some(a.as_string::<i64>().value(row).to_string()),
        DataType::Utf8View => Some(a.as_string_view().value(row).to_string()),
        DataType::Int64 => Some(a.as_primitive::<Int64Type>().value(row).to_string()),
        DataType::Int32 => Some(a.as_primitive::<Int32Type>().value(row).to_string()),
        _ => None,
    }
}

/// The bytes at `row` of a binary column; `None` when null or of another type.
pub(super) fn binary_at(a: &dyn Array, row: usize) -> Option<Vec<u8>> {
    if a.is_null(row) {
        return None;
    }
    match a.data_type() {
        DataType::Binary => Some(a.as_binary::<i32>().value(row).to_vec()),
        DataType::LargeBinary => Some(a.as_binary::<i64>().value(row).to_vec()),
        DataType::BinaryView => Some(a.as_binary_view().value(row).to_vec()),
        _ => None,
    }
}

/// The strings at `row` of a list-of-strings column, or of a string column holding a JSON list;
/// `None` when null, of another type, or holding a non-string element.
pub(super) fn strings_at(a: &dyn Array, row: usize) -> Option<Vec<String>> {
    if a.is_null(row) {
        return None;
    }
    let values = match a.data_type() {
        DataType::List(_) => a.as_list::<i32>().value(row),
        DataType::LargeList(_) => a.as_list::<i64>().value(row),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            return serde_json::from_str::<Vec<String>>(&string_at(a, row)?).ok();
        }
        _ => return None,
    };
    (0..values.len()).map(|k| string_at(values.as_ref(), k)).collect()
}
