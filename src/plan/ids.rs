//! Typed ids into the plan's tables. Each table is an [`IdVec`] indexed by
//! its own id type, so a rule id cannot be used to look up a group and an
//! index bug fails loudly instead of quietly scoring 0.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Index;

use serde::{Serialize, Serializer};

/// An id: a position in one table of the plan.
pub trait Id: Copy {
    fn from_index(index: usize) -> Self;
    fn index(self) -> usize;
}

macro_rules! ids {
    ($( $(#[$doc:meta])* $name:ident; )*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(u32);

        impl $name {
            /// The position in its table.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl Id for $name {
            #[inline]
            fn from_index(index: usize) -> Self {
                // Tables are built from model text; four billion entries
                // would not fit in memory long before this saturates.
                $name(u32::try_from(index).unwrap_or(u32::MAX))
            }
            #[inline]
            fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

ids! {
    /// A lead field: also its slot in a lead's values.
    FieldId;
    /// A declared event type.
    EventId;
    /// A property of one event type: its slot in an event's values.
    PropId;
    /// The values of one `one of` type.
    EnumId;
    /// An event aggregate (a count, a faded sum, a latest or earliest time).
    AggId;
    /// A rule of the lead scope.
    RuleId;
    /// A `first` block: rules of which the first that holds gives points.
    BlockId;
    /// A score group.
    GroupId;
    /// A threshold or label, of the leads or of the account block.
    OutputId;
    /// A member test of the account block (`members`, `members(where ...)`).
    MemberTestId;
    /// A rule of the account block.
    AccountRuleId;
    /// A `first` block of the account block.
    AccountBlockId;
    /// A set of folded text constants in the plan's pool.
    TextSetId;
    /// A regular expression in the plan's pool.
    PatternId;
}

/// A table of the plan, indexed by its own id type.
#[derive(Clone, Debug, PartialEq)]
pub struct IdVec<I, T> {
    items: Vec<T>,
    id: PhantomData<fn(I) -> I>,
}

impl<I, T> Default for IdVec<I, T> {
    fn default() -> Self {
        IdVec::new()
    }
}

impl<I, T> IdVec<I, T> {
    pub const fn new() -> Self {
        IdVec {
            items: Vec::new(),
            id: PhantomData,
        }
    }

    pub fn with_capacity(capacity: usize) -> Self {
        Vec::with_capacity(capacity).into()
    }
}

impl<I: Id, T> IdVec<I, T> {
    /// Appends an entry and gives its id.
    pub fn push(&mut self, item: T) -> I {
        let id = self.next_id();
        self.items.push(item);
        id
    }

    /// The id the next pushed entry will get.
    pub fn next_id(&self) -> I {
        I::from_index(self.items.len())
    }

    pub fn get(&self, id: I) -> Option<&T> {
        self.items.get(id.index())
    }

    pub fn get_mut(&mut self, id: I) -> Option<&mut T> {
        self.items.get_mut(id.index())
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, T> {
        self.items.iter_mut()
    }

    /// Every entry with its id.
    pub fn iter_enumerated(&self) -> impl DoubleEndedIterator<Item = (I, &T)> + ExactSizeIterator {
        self.items
            .iter()
            .enumerate()
            .map(|(i, item)| (I::from_index(i), item))
    }

    /// Every id, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = I> + ExactSizeIterator {
        (0..self.items.len()).map(I::from_index)
    }

    pub fn as_slice(&self) -> &[T] {
        &self.items
    }

    pub fn last(&self) -> Option<&T> {
        self.items.last()
    }

    pub fn clear(&mut self) {
        self.items.clear();
    }

    pub fn resize(&mut self, len: usize, value: T)
    where
        T: Clone,
    {
        self.items.resize(len, value);
    }

    pub fn truncate(&mut self, len: usize) {
        self.items.truncate(len);
    }
}

impl<I: Id, T> std::ops::IndexMut<I> for IdVec<I, T> {
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.items[id.index()]
    }
}

impl<I: Id, T> Index<I> for IdVec<I, T> {
    type Output = T;

    /// Ids are made by the checker for this plan only; one that falls
    /// outside its table is a bug of leadscore, and stopping beats scoring
    /// a lead wrong.
    fn index(&self, id: I) -> &T {
        &self.items[id.index()]
    }
}

impl<I, T> From<Vec<T>> for IdVec<I, T> {
    fn from(items: Vec<T>) -> Self {
        IdVec {
            items,
            id: PhantomData,
        }
    }
}

impl<I, T> FromIterator<T> for IdVec<I, T> {
    fn from_iter<It: IntoIterator<Item = T>>(iter: It) -> Self {
        Vec::from_iter(iter).into()
    }
}

impl<'a, I: Id, T> IntoIterator for &'a IdVec<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl<I, T: Serialize> Serialize for IdVec<I, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.items.serialize(serializer)
    }
}
