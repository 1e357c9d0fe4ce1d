//! Merged rows as references into the inputs' batches, read column by column by the encoders
//! and the hour sketch without first being copied into a batch of their own.
//!
//! The inputs' dictionary-encoded text columns (`tag`, `field`, `object_id`, `source`) are
//! read as Arrow dictionary arrays (see [`crate::kway`]): the reader then decodes keys only,
//! and the batches of one input row group share one dictionary, so the encoders look a value
//! up once per dictionary entry instead of once per row ([`MergedRows::extend_keyed`]).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, ArrayRef, BinaryArray, RecordBatch, StringArray};
use arrow_schema::{DataType, TimeUnit};
use parquet::errors::ParquetError;
use rustc_hash::FxHashMap;

/// A run of merged rows: row `i` is row `rows[i].1` of `batches[rows[i].0]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct MergedRows {
    batches: Vec<RecordBatch>,
    rows: Vec<(u32, u32)>,
}

fn column_error(name: &str, what: &str) -> ParquetError {
    ParquetError::General(format!("merged rows: column {name} {what}"))
}

/// One batch's required text column: its values, and each row's position among them (the
/// dictionary keys of a dictionary array; `None`: row `i` is value `i`).
struct TextColumn<'a> {
    values: &'a StringArray,
    /// The shared values array of a dictionary column, which identifies the dictionary.
    dictionary: Option<&'a ArrayRef>,
    keys: Option<&'a [i32]>,
}

impl<'a> TextColumn<'a> {
    fn new(column: &'a ArrayRef, name: &str) -> Result<Self, ParquetError> {
        if column.null_count() > 0 {
            return Err(column_error(name, "has nulls"));
        }
        if let Some(plain) = column.as_string_opt::<i32>() {
            return Ok(TextColumn {
                values: plain,
                dictionary: None,
                keys: None,
            });
        }
        let dictionary = column
            .as_dictionary_opt::<Int32Type>()
            .ok_or_else(|| column_error(name, "is not text"))?;
        let values = dictionary
            .values()
            .as_string_opt::<i32>()
            .filter(|v| v.null_count() == 0)
            .ok_or_else(|| column_error(name, "is not a dictionary of text"))?;
        Ok(TextColumn {
            values,
            dictionary: Some(dictionary.values()),
            keys: Some(dictionary.keys().values()),
        })
    }

    /// The position of row `row` among [`TextColumn::values`].
    fn key(&self, row: u32) -> u32 {
        match self.keys {
            // Keys of a valid dictionary array are in bounds and not negative.
            Some(keys) => keys[row as usize] as u32,
            None => row,
        }
    }

    fn value(&self, row: u32) -> &'a [u8] {
        self.values.value(self.key(row) as usize).as_bytes()
    }
}

/// The distinct value arrays that keyed rows point into ([`MergedRows::extend_keyed`]): each
/// dictionary once, however many batches and runs share it.
#[derive(Default)]
pub(crate) struct KeyedValues<'a> {
    /// Value arrays; a row `(slot, key)` is `arrays[slot].value(key)`.
    pub(crate) arrays: Vec<&'a StringArray>,
    slots: FxHashMap<*const (), u32>,
}

impl<'a> KeyedValues<'a> {
    /// The slot of a batch's values: a dictionary shared with earlier batches keeps its slot.
    fn slot(&mut self, column: &TextColumn<'a>) -> u32 {
        let next = self.arrays.len() as u32;
        let slot = match column.dictionary {
            Some(shared) => *self
                .slots
                .entry(Arc::as_ptr(shared) as *const ())
                .or_insert(next),
            None => next,
        };
        if slot == next {
            self.arrays.push(column.values);
        }
        slot
    }
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

    /// The required text column `name` of each batch (plain or dictionary).
    fn text_columns(&self, name: &str) -> Result<Vec<TextColumn<'_>>, ParquetError> {
        self.columns(name)?
            .into_iter()
            .map(|c| TextColumn::new(c, name))
            .collect()
    }

    /// Appends the values of the required text column `name` to `out`.
    pub(crate) fn extend_text<'a>(
        &'a self,
        name: &str,
        out: &mut Vec<&'a [u8]>,
    ) -> Result<(), ParquetError> {
        let columns = self.text_columns(name)?;
        out.extend(self.rows.iter().map(|&(b, r)| columns[b as usize].value(r)));
        Ok(())
    }

    /// Appends the values of the required text column `name` to `out` as `(slot, key)`: value
    /// `key` of `values.arrays[slot]`. Rows of batches that share a dictionary share its slot.
    pub(crate) fn extend_keyed<'a>(
        &'a self,
        name: &str,
        values: &mut KeyedValues<'a>,
        out: &mut Vec<(u32, u32)>,
    ) -> Result<(), ParquetError> {
        let columns = self.text_columns(name)?;
        let slots: Vec<u32> = columns.iter().map(|c| values.slot(c)).collect();
        out.extend(
            self.rows
                .iter()
                .map(|&(b, r)| (slots[b as usize], columns[b as usize].key(r))),
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
