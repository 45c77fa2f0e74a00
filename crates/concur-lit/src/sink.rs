//! How a store hands the records that changed to something that keeps a copy of them (the
//! search index), without either knowing the other.

use crate::Record;

/// Receives records that changed since the receiver last looked, by the store's record id.
pub trait RecordSink {
    /// Forget every record: the store is sending all of them again.
    fn reset(&mut self);
    /// The record `id` is now `record`; `primary` is false when it is a duplicate of another.
    fn put(&mut self, id: i64, record: &Record, primary: bool);
    /// The record `id` is new since the receiver last looked: it cannot hold an older copy.
    fn add(&mut self, id: i64, record: &Record, primary: bool) {
        self.put(id, record, primary);
    }
    /// The record `id` is gone (deleted, or never committed).
    fn remove(&mut self, id: i64);
    /// How many records the store is about to send, when it knows (for progress).
    fn expect(&mut self, _count: u64) {}
}
