//! Merged rows as references into the inputs' batches, read column by column by the encoders
//! and the hour sketch without first being copied into a batch of their own.

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, BinaryArray, RecordBatch, StringArray};
use arrow_schema::{DataType, TimeUnit};
use parquet::errors::ParquetError;

/// A run of merged rows: row `i` is row `rows[i].1` of `batches[rows[i].0]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct MergedRows {
    batches: Vec<RecordBatch>,
    rows: Vec<(u32, u32)>,
}

fn column_error(name: &str, what: &str) -> ParquetError {
    ParquetError::General(format!("merged rows: column {name} {what}"))
}

impl MergedRows {
    /// Rows picked from `batches`.
    pub(crate) fn new(batches: Vec<RecordBatch>, rows: Vec<(u32, u32)>) -> Self {
        MergedRows { batches, rows }
    }

    /// Every row of `batch`, in order.
    #[cfg(test)]
    pub(crate) fn from_batch(batch: RecordBatch) -> Self {
        let rows = (0..batch.num_rows() as u32).map(|r| (0, r)).collect();
        MergedRows::new(vec![batch], rows)
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// The rows `start..end`.
    pub(crate) fn slice(&self, start: usize, end: usize) -> MergedRows {
        MergedRows {
            batches: self.batches.clone(),
            rows: self.rows[start..end].to_vec(),
        }
    }

    /// Column `name` of each batch.
    fn columns(&self, name: &str) -> Result<Vec<&ArrayRef>, ParquetError> {
        self.batches
            .iter()
            .map(|b| {
                b.column_by_name(name)
                    .ok_or_else(|| column_error(name, "is missing"))
            })
            .collect()
    }

    /// Appends the values of the required text column `name` to `out`.
    pub(crate) fn extend_text<'a>(
        &'a self,
        name: &str,
        out: &mut Vec<&'a [u8]>,
    ) -> Result<(), ParquetError> {
        let arrays = self
            .columns(name)?
            .into_iter()
            .map(|c| match c.as_string_opt::<i32>() {
                Some(a) if a.null_count() == 0 => Ok(a),
                Some(_) => Err(column_error(name, "has nulls")),
                None => Err(column_error(name, "is not text")),
            })
            .collect::<Result<Vec<&StringArray>, _>>()?;
        out.extend(
            self.rows
                .iter()
                .map(|&(b, r)| arrays[b as usize].value(r as usize).as_bytes()),
        );
        Ok(())
    }

    /// Appends the values of the required INT64 (or microsecond timestamp) column `name` to
    /// `out`.
    pub(crate) fn extend_int64(&self, name: &str, out: &mut Vec<i64>) -> Result<(), ParquetError> {
        let values = self
            .columns(name)?
            .into_iter()
            .map(|c| {
                let values: Option<&[i64]> = match c.data_type() {
                    DataType::Int64 => Some(c.as_primitive::<Int64Type>().values()),
                    DataType::Timestamp(TimeUnit::Microsecond, _) => {
                        Some(c.as_primitive::<TimestampMicrosecondType>().values())
                    }
                    _ => None,
                };
                match values {
                    Some(v) if c.null_count() == 0 => Ok(v),
                    _ => Err(column_error(name, "is not a required 64-bit column")),
                }
            })
            .collect::<Result<Vec<&[i64]>, _>>()?;
        out.extend(
            self.rows
                .iter()
                .map(|&(b, r)| values[b as usize][r as usize]),
        );
        Ok(())
    }

    /// Appends the values of the optional binary column `name` to `out`.
    pub(crate) fn extend_binary<'a>(
        &'a self,
        name: &str,
        out: &mut Vec<Option<&'a [u8]>>,
    ) -> Result<(), ParquetError> {
        let arrays = self
            .columns(name)?
            .into_iter()
            .map(|c| {
                c.as_binary_opt::<i32>()
                    .ok_or_else(|| column_error(name, "is not binary"))
            })
            .collect::<Result<Vec<&BinaryArray>, _>>()?;
        out.extend(self.rows.iter().map(|&(b, r)| {
            let array = arrays[b as usize];
            array.is_valid(r as usize).then(|| array.value(r as usize))
        }));
        Ok(())
    }
}
