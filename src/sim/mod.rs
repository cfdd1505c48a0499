//! The simulation core: time, the event queue and random-number streams. No tracing words
//! live here; `pipeline` builds the domain on top.

pub mod queue;
pub mod rng;

pub use queue::EventQueue;
pub use rng::{Stream, Streams};

/// Simulated time: integer nanoseconds since the start of the run. Integers keep event order
/// exact (no float epsilon) and make outputs byte-identical across machines.
pub type Nanos = u64;

pub const NS_PER_SEC: u64 = 1_000_000_000;

/// Seconds as f64 for output columns.
#[inline]
pub fn secs(t: Nanos) -> f64 {
    t as f64 / NS_PER_SEC as f64
}

/// A float number of seconds to nanoseconds, saturating.
#[inline]
pub fn from_secs(s: f64) -> Nanos {
    if s <= 0.0 {
        0
    } else if s >= 1.8e10 {
        u64::MAX / 2
    } else {
        // Rounds: adding 0.5 and truncating is exact for a positive value, and inline.
        (s * NS_PER_SEC as f64 + 0.5) as u64
    }
}

/// A slab: stable small indices for records that events refer to (events stay small and the
/// heap fast), with freed slots reused.
#[derive(Clone, Debug)]
pub struct Slab<T> {
    items: Vec<Option<T>>,
    free: Vec<u32>,
    len: usize,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Slab<T> {
    pub fn insert(&mut self, v: T) -> u32 {
        self.len += 1;
        match self.free.pop() {
            Some(i) => {
                self.items[i as usize] = Some(v);
                i
            }
            None => {
                self.items.push(Some(v));
                (self.items.len() - 1) as u32
            }
        }
    }

    pub fn remove(&mut self, i: u32) -> Option<T> {
        let v = self.items.get_mut(i as usize)?.take();
        if v.is_some() {
            self.free.push(i);
            self.len -= 1;
        }
        v
    }

    pub fn get_mut(&mut self, i: u32) -> Option<&mut T> {
        self.items.get_mut(i as usize)?.as_mut()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.items.iter().flatten()
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.free.clear();
        self.len = 0;
    }
}
