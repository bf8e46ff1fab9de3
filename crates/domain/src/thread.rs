//! The red thread (*rød tråd*): one graph of goal elements across all plans, where an inherited
//! copy stands for its source, and the places where the thread breaks.

use crate::plan::ElementKind;
// Integer keys from our own database, never chosen by an attacker: the Fx hash is several times
// faster than SipHash here, and the red thread walks every element of the municipality.
use rustc_hash::FxHashMap as HashMap;

/// One goal element as the analysis sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Element id.
    pub id: i64,
    /// Plan the element is in.
    pub plan_id: i64,
    /// Parent element in the same plan.
    pub parent: Option<i64>,
    /// Kind.
    pub kind: ElementKind,
    /// For an inherited copy: the element it stands for.
    pub source: Option<i64>,
    /// For an inherited copy: the source was removed.
    pub orphaned: bool,
    /// Service area responsible (from the element's or its plan's owner unit).
    pub area: Option<i64>,
}

/// A place where the red thread breaks; `element` is where to go to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Break {
    /// An assignment or measure with no goal above it.
    NoPathToGoal {
        /// The assignment or measure.
        element: i64,
    },
    /// A goal with no strategy under it.
    GoalWithoutStrategy {
        /// The goal.
        element: i64,
    },
    /// A goal with no measure under it.
    GoalWithoutMeasure {
        /// The goal.
        element: i64,
    },
    /// A goal with no indicator under it.
    GoalWithoutIndicator {
        /// The goal.
        element: i64,
    },
    /// A sub-goal distributed to a service area that has no assignment or measure for it.
    AreaWithoutFollowUp {
        /// The sub-goal (its copy in the area's plan).
        element: i64,
        /// The service area.
        area: i64,
    },
    /// An inherited element whose source was removed.
    Orphaned {
        /// The inherited copy.
        element: i64,
    },
}

impl Break {
    /// The element to open to fix the break.
    pub fn element(&self) -> i64 {
        match self {
            Break::NoPathToGoal { element }
            | Break::GoalWithoutStrategy { element }
            | Break::GoalWithoutMeasure { element }
            | Break::GoalWithoutIndicator { element }
            | Break::AreaWithoutFollowUp { element, .. }
            | Break::Orphaned { element } => *element,
        }
    }

    /// i18n key describing the break.
    pub fn label_key(&self) -> &'static str {
        match self {
            Break::NoPathToGoal { .. } => "break-no-path",
            Break::GoalWithoutStrategy { .. } => "break-no-strategy",
            Break::GoalWithoutMeasure { .. } => "break-no-measure",
            Break::GoalWithoutIndicator { .. } => "break-no-indicator",
            Break::AreaWithoutFollowUp { .. } => "break-area",
            Break::Orphaned { .. } => "break-orphaned",
        }
    }

    /// Stable code, for filters and exports.
    pub fn code(&self) -> &'static str {
        match self {
            Break::NoPathToGoal { .. } => "no_path",
            Break::GoalWithoutStrategy { .. } => "no_strategy",
            Break::GoalWithoutMeasure { .. } => "no_measure",
            Break::GoalWithoutIndicator { .. } => "no_indicator",
            Break::AreaWithoutFollowUp { .. } => "area",
            Break::Orphaned { .. } => "orphaned",
        }
    }
}

/// No index: a missing parent, or a node that is not a query origin.
const NONE: u32 = u32::MAX;
/// No service area.
const NO_AREA: i64 = i64::MIN;
/// The orphan flag beside the kind in [`Thread::kinds`].
const ORPHAN: u8 = 0x80;

/// From element id to its index in the thread's columns: arithmetic when the ids are consecutive, a
/// direct table when they are dense (as database keys are), a hash map otherwise.
#[derive(Debug)]
enum Lookup {
    Consecutive { min: i64, len: usize },
    Dense { min: i64, slots: Vec<u32> },
    Sparse(HashMap<i64, u32>),
}

impl Default for Lookup {
    fn default() -> Self {
        Lookup::Sparse(HashMap::default())
    }
}

impl Lookup {
    /// For nodes sorted by id, each id once.
    fn new(nodes: &[Node]) -> Lookup {
        let (Some(first), Some(last)) = (nodes.first(), nodes.last()) else { return Lookup::default() };
        let span = u64::try_from(last.id.wrapping_sub(first.id)).unwrap_or(u64::MAX);
        if span == nodes.len() as u64 - 1 {
            Lookup::Consecutive { min: first.id, len: nodes.len() }
        } else if span < (nodes.len() as u64).saturating_mul(4).saturating_add(1024) {
            // A table up to four slots a node is cheaper than hashing.
            let mut slots = vec![NONE; span as usize + 1];
            for (i, n) in nodes.iter().enumerate() {
                slots[(n.id - first.id) as usize] = i as u32;
            }
            Lookup::Dense { min: first.id, slots }
        } else {
            Lookup::Sparse(nodes.iter().enumerate().map(|(i, n)| (n.id, i as u32)).collect())
        }
    }

    #[inline]
    fn get(&self, id: i64) -> Option<u32> {
        match self {
            Lookup::Consecutive { min, len } => {
                let offset = usize::try_from(id.checked_sub(*min)?).ok()?;
                (offset < *len).then_some(offset as u32)
            }
            Lookup::Dense { min, slots } => {
                let offset = usize::try_from(id.checked_sub(*min)?).ok()?;
                slots.get(offset).copied().filter(|&i| i != NONE)
            }
            Lookup::Sparse(map) => map.get(&id).copied(),
        }
    }
}

/// The whole thread: the unified graph, where a copy's children count as children of the element it
/// stands for. Flat and index-based: the nodes sorted by id, the fields the analysis reads as
/// compact columns indexed by `u32`, children in one array sliced per node (compressed rows), so
/// building and analysing stream through a few small arrays and allocate nothing per node.
#[derive(Debug, Default)]
pub struct Thread {
    nodes: Vec<Node>,
    lookup: Lookup,
    /// Kind and the orphan flag of each node in one byte (see [`Thread::kind`]).
    kinds: Vec<u8>,
    /// Service area, or [`NO_AREA`].
    areas: Vec<i64>,
    /// The index each node stands for: its source when it is a live copy, else itself.
    rep: Vec<u32>,
    /// The unified parent of each node that stands for itself (`NONE` for roots and copies).
    up: Vec<u32>,
    /// Children of node `i` are `child_idx[child_start[i]..child_start[i + 1]]`, in id order.
    child_start: Vec<u32>,
    child_idx: Vec<u32>,
    roots: Vec<i64>,
    root_idx: Vec<u32>,
}

impl Thread {
    /// Builds the unified graph. Orphaned copies stay where they are (they have nothing to stand
    /// for). When an id appears twice, the later node counts.
    pub fn new(mut nodes: Vec<Node>) -> Self {
        if !nodes.windows(2).all(|w| w[0].id < w[1].id) {
            // Stable, so the later of two equal ids stays last, and that one is kept.
            nodes.sort_by_key(|n| n.id);
            let mut kept: Vec<Node> = Vec::with_capacity(nodes.len());
            for n in nodes {
                match kept.last_mut() {
                    Some(last) if last.id == n.id => *last = n,
                    _ => kept.push(n),
                }
            }
            nodes = kept;
        }
        assert!(nodes.len() < NONE as usize, "more goal elements than a u32 index holds");
        let lookup = Lookup::new(&nodes);
        let n = nodes.len();
        // One pass over the nodes: the columns, with parent and source resolved to indices.
        let mut kinds = Vec::with_capacity(n);
        let mut areas = Vec::with_capacity(n);
        let mut up = Vec::with_capacity(n);
        let mut rep = Vec::with_capacity(n);
        for (i, node) in nodes.iter().enumerate() {
            kinds.push(node.kind as u8 | if node.orphaned { ORPHAN } else { 0 });
            areas.push(node.area.unwrap_or(NO_AREA));
            up.push(node.parent.and_then(|p| lookup.get(p)).unwrap_or(NONE));
            let source = if node.orphaned { None } else { node.source.and_then(|s| lookup.get(s)) };
            rep.push(source.unwrap_or(i as u32));
        }
        // Parents resolved to what they stand for; copies hang nowhere (their source carries them).
        let mut counts = vec![0u32; n + 1];
        let mut roots = Vec::new();
        let mut root_idx = Vec::new();
        for i in 0..n {
            if rep[i] != i as u32 {
                up[i] = NONE;
            } else if up[i] != NONE {
                let p = rep[up[i] as usize];
                up[i] = p;
                counts[p as usize + 1] += 1;
            } else {
                roots.push(nodes[i].id);
                root_idx.push(i as u32);
            }
        }
        for i in 0..n {
            counts[i + 1] += counts[i];
        }
        let child_start = counts;
        let mut fill: Vec<u32> = child_start[..n].to_vec();
        let edges = child_start[n] as usize;
        let mut child_idx = vec![0u32; edges];
        for (i, &p) in up.iter().enumerate() {
            if p != NONE {
                let at = fill[p as usize] as usize;
                child_idx[at] = i as u32;
                fill[p as usize] += 1;
            }
        }
        Thread { nodes, lookup, kinds, areas, rep, up, child_start, child_idx, roots, root_idx }
    }

    /// The kind of the node at index `i`.
    #[inline]
    fn kind(&self, i: usize) -> ElementKind {
        ElementKind::ALL[(self.kinds[i] & !ORPHAN) as usize]
    }

    /// Whether the node at index `i` is an orphaned copy.
    #[inline]
    fn is_orphan(&self, i: usize) -> bool {
        self.kinds[i] & ORPHAN != 0
    }

    #[inline]
    fn id(&self, i: usize) -> i64 {
        self.nodes[i].id
    }

    fn index(&self, id: i64) -> Option<u32> {
        self.lookup.get(id)
    }

    fn kids(&self, i: u32) -> &[u32] {
        let i = i as usize;
        &self.child_idx[self.child_start[i] as usize..self.child_start[i + 1] as usize]
    }

    /// The element a node stands for: its source when it is a live copy, else itself.
    pub fn stands_for(&self, id: i64) -> i64 {
        match self.index(id) {
            Some(i) => self.id(self.rep[i as usize] as usize),
            None => id,
        }
    }

    /// A node by id.
    pub fn node(&self, id: i64) -> Option<&Node> {
        self.index(id).map(|i| &self.nodes[i as usize])
    }

    /// Top-level elements of the thread (visions and goals of the top plans, and loose ends).
    pub fn roots(&self) -> &[i64] {
        &self.roots
    }

    /// Children in the unified graph, in id order.
    pub fn children(&self, id: i64) -> impl ExactSizeIterator<Item = i64> + '_ {
        let kids = self.index(id).map(|i| self.kids(i)).unwrap_or_default();
        kids.iter().map(|&c| self.id(c as usize))
    }

    /// The unified parent of a node.
    pub fn parent(&self, id: i64) -> Option<i64> {
        let p = self.up[self.rep[self.index(id)? as usize] as usize];
        (p != NONE).then(|| self.id(p as usize))
    }

    /// Every node reachable from the roots, parents before children (breadth first). Every node
    /// has one unified parent, so none is met twice, and nodes on a cycle are never reached.
    fn top_down(&self) -> Vec<u32> {
        let mut order = Vec::with_capacity(self.nodes.len());
        order.extend_from_slice(&self.root_idx);
        let mut k = 0;
        while k < order.len() {
            let i = order[k];
            order.extend_from_slice(self.kids(i));
            k += 1;
        }
        order
    }

    /// Every place where the thread breaks, sorted.
    pub fn breaks(&self) -> Vec<Break> {
        const STRATEGY: u8 = 1;
        const MEASURE: u8 = 2;
        const INDICATOR: u8 = 4;
        let n = self.nodes.len();
        let up = &self.up;
        let order = self.top_down();
        let mut out = Vec::new();
        // Bottom-up: which kinds exist below each node; a goal's set is complete when it is reached.
        let mut below = vec![0u8; n];
        for &i in order.iter().rev() {
            let i = i as usize;
            let kind = self.kind(i);
            if kind.is_goal() {
                let mask = below[i];
                if mask & STRATEGY == 0 {
                    out.push(Break::GoalWithoutStrategy { element: self.id(i) });
                }
                if mask & MEASURE == 0 {
                    out.push(Break::GoalWithoutMeasure { element: self.id(i) });
                }
                if mask & INDICATOR == 0 {
                    out.push(Break::GoalWithoutIndicator { element: self.id(i) });
                }
            }
            let p = up[i];
            if p != NONE {
                let own = match kind {
                    ElementKind::Strategy => STRATEGY,
                    ElementKind::Measure => MEASURE,
                    ElementKind::Indicator => INDICATOR,
                    _ => 0,
                };
                below[p as usize] |= below[i] | own;
            }
        }
        // Sub-goals distributed to a service area (a copy owned there) need an assignment or measure
        // of that area somewhere below them. Only those sub-goals are asked, so only they collect
        // areas, each in a short list of its own.
        let mut slot = vec![NONE; n];
        let mut followed: Vec<Vec<i64>> = Vec::new();
        for i in 0..n {
            let origin = self.rep[i] as usize;
            if origin != i
                && self.areas[i] != NO_AREA
                && self.kind(origin) == ElementKind::SubGoal
                && slot[origin] == NONE
            {
                slot[origin] = followed.len() as u32;
                followed.push(Vec::new());
            }
        }
        // Top-down: is there a goal above, and which is the nearest asked sub-goal above?
        let mut goal_above = vec![false; n];
        let mut asked_above = vec![NONE; n];
        for &i in &order {
            let i = i as usize;
            let p = up[i];
            if p != NONE {
                let p = p as usize;
                goal_above[i] = goal_above[p] || self.kind(p).is_goal();
                asked_above[i] = if slot[p] != NONE { p as u32 } else { asked_above[p] };
            }
            if !matches!(self.kind(i), ElementKind::Assignment | ElementKind::Measure) {
                continue;
            }
            // An orphan is reported as such; what hangs under it has lost its path.
            if !goal_above[i] && !self.is_orphan(i) {
                out.push(Break::NoPathToGoal { element: self.id(i) });
            }
            let area = self.areas[i];
            if area != NO_AREA {
                let mut a = asked_above[i];
                while a != NONE {
                    let list = &mut followed[slot[a as usize] as usize];
                    if !list.contains(&area) {
                        list.push(area);
                    }
                    a = asked_above[a as usize];
                }
            }
        }
        for i in 0..n {
            let origin = self.rep[i] as usize;
            let area = self.areas[i];
            if origin != i
                && area != NO_AREA
                && self.kind(origin) == ElementKind::SubGoal
                && !followed[slot[origin] as usize].contains(&area)
            {
                out.push(Break::AreaWithoutFollowUp { element: self.id(i), area });
            }
            if self.is_orphan(i) {
                out.push(Break::Orphaned { element: self.id(i) });
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Nodes of the unified graph in depth-first order from the roots (each once).
    pub fn depth_first(&self) -> Vec<i64> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut stack: Vec<u32> = self.root_idx.iter().rev().copied().collect();
        while let Some(i) = stack.pop() {
            out.push(self.id(i as usize));
            stack.extend(self.kids(i).iter().rev());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ElementKind::*;

    fn node(id: i64, plan: i64, parent: Option<i64>, kind: ElementKind) -> Node {
        Node { id, plan_id: plan, parent, kind, source: None, orphaned: false, area: None }
    }

    fn copy(id: i64, plan: i64, parent: Option<i64>, kind: ElementKind, source: i64, area: Option<i64>) -> Node {
        Node { id, plan_id: plan, parent, kind, source: Some(source), orphaned: false, area }
    }

    /// Master plan 1: goal 1 > sub-goal 2 > strategy 3; indicator 4 under sub-goal 2.
    /// Action programme 2: copy 10 of sub-goal 2 owned by area 100, assignment 11 under it (area 100).
    /// Unit plan 3: copy 20 of assignment 11, measure 21 under it.
    fn complete() -> Vec<Node> {
        vec![
            node(1, 1, None, MainGoal),
            node(2, 1, Some(1), SubGoal),
            node(3, 1, Some(2), Strategy),
            node(4, 1, Some(2), Indicator),
            copy(10, 2, None, SubGoal, 2, Some(100)),
            Node { area: Some(100), ..node(11, 2, Some(10), Assignment) },
            copy(20, 3, None, Assignment, 11, Some(100)),
            Node { area: Some(100), ..node(21, 3, Some(20), Measure) },
        ]
    }

    #[test]
    fn a_complete_thread_has_no_breaks() {
        let t = Thread::new(complete());
        assert_eq!(t.breaks(), vec![]);
        assert_eq!(t.roots(), &[1]);
        assert_eq!(t.children(2).collect::<Vec<_>>(), [3, 4, 11], "the copy's children hang under the source");
        assert_eq!(t.children(11).collect::<Vec<_>>(), [21]);
        assert_eq!(t.parent(21), Some(11));
        assert_eq!(t.depth_first(), vec![1, 2, 3, 4, 11, 21]);
    }

    #[test]
    fn every_break_type_is_found() {
        let mut nodes = complete();
        // A measure hanging loose in a unit plan, an assignment under a vision.
        nodes.push(node(30, 3, None, Measure));
        nodes.push(node(31, 1, None, Vision));
        nodes.push(node(32, 1, Some(31), MainGoal));
        nodes.push(node(33, 1, Some(32), Assignment));
        // Sub-goal 2 distributed to area 200 too, with nothing there.
        nodes.push(copy(40, 4, None, SubGoal, 2, Some(200)));
        // An orphaned copy.
        nodes.push(Node { orphaned: true, ..copy(50, 3, None, Assignment, 999, None) });
        let breaks = Thread::new(nodes).breaks();
        assert!(breaks.contains(&Break::NoPathToGoal { element: 30 }));
        assert!(!breaks.contains(&Break::NoPathToGoal { element: 33 }), "main goal 32 is above it");
        assert!(breaks.contains(&Break::GoalWithoutStrategy { element: 32 }));
        assert!(breaks.contains(&Break::GoalWithoutMeasure { element: 32 }));
        assert!(breaks.contains(&Break::GoalWithoutIndicator { element: 32 }));
        assert!(breaks.contains(&Break::AreaWithoutFollowUp { element: 40, area: 200 }));
        assert!(!breaks.iter().any(|b| matches!(b, Break::AreaWithoutFollowUp { area: 100, .. })));
        assert!(breaks.contains(&Break::Orphaned { element: 50 }));
        assert!(!breaks.contains(&Break::NoPathToGoal { element: 50 }), "the orphan break says it already");
        assert_eq!(breaks.iter().filter(|b| b.element() == 1).count(), 0, "goal 1 is complete");
    }

    #[test]
    fn removing_the_measure_breaks_the_goals_above_it() {
        let nodes: Vec<Node> = complete().into_iter().filter(|n| n.id != 21).collect();
        let breaks = Thread::new(nodes).breaks();
        assert_eq!(breaks, vec![Break::GoalWithoutMeasure { element: 1 }, Break::GoalWithoutMeasure { element: 2 }]);
    }

    #[test]
    fn kinds_pack_into_a_byte_beside_the_orphan_flag() {
        for kind in ElementKind::ALL {
            assert_eq!(ElementKind::ALL[kind as usize], kind);
            assert_eq!(kind as u8 & ORPHAN, 0);
        }
    }

    #[test]
    fn cycles_in_corrupt_data_do_not_hang() {
        let nodes = vec![node(1, 1, Some(2), MainGoal), node(2, 1, Some(1), SubGoal)];
        let t = Thread::new(nodes);
        // Neither is a root, so nothing is reachable; the analysis still terminates.
        assert!(t.depth_first().is_empty());
        assert!(t.breaks().is_empty());
    }
    /// The analysis as first written, with hash maps and a set of areas per node: slow, but plain
    /// enough to read as the definition. The flat implementation must agree with it on every input.
    /// Depth-first order, each id's children, and the breaks.
    type Analysis = (Vec<i64>, Vec<(i64, Vec<i64>)>, Vec<Break>);

    fn reference(nodes: &[Node]) -> Analysis {
        use std::collections::{BTreeSet, HashMap};
        let mut by_id: HashMap<i64, &Node> = HashMap::new();
        for n in nodes {
            by_id.insert(n.id, n);
        }
        let stands_for = |id: i64| match by_id.get(&id) {
            Some(Node { source: Some(s), orphaned: false, .. }) if by_id.contains_key(s) => *s,
            _ => id,
        };
        let mut ids: Vec<i64> = by_id.keys().copied().collect();
        ids.sort_unstable();
        let mut children: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut roots = Vec::new();
        for &id in &ids {
            if stands_for(id) != id {
                continue;
            }
            match by_id[&id].parent.map(stands_for) {
                Some(p) if by_id.contains_key(&p) => children.entry(p).or_default().push(id),
                _ => roots.push(id),
            }
        }
        let kids = |id: i64| children.get(&id).cloned().unwrap_or_default();
        let mut order = Vec::new();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<i64> = roots.iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            if seen.insert(id) {
                order.push(id);
                stack.extend(kids(id).iter().rev());
            }
        }
        let parent = |id: i64| by_id[&id].parent.map(stands_for).filter(|p| by_id.contains_key(p));
        let mut below: HashMap<i64, u8> = HashMap::new();
        let mut areas: HashMap<i64, BTreeSet<i64>> = HashMap::new();
        for &id in order.iter().rev() {
            let (mut mask, mut mine) = (0u8, BTreeSet::new());
            for c in kids(id) {
                let child = by_id[&c];
                mask |= below[&c]
                    | match child.kind {
                        Strategy => 1,
                        Measure => 2,
                        Indicator => 4,
                        _ => 0,
                    };
                if let (Assignment | Measure, Some(a)) = (child.kind, child.area) {
                    mine.insert(a);
                }
                mine.extend(areas.get(&c).cloned().unwrap_or_default());
            }
            below.insert(id, mask);
            areas.insert(id, mine);
        }
        let mut goal_above: HashMap<i64, bool> = HashMap::new();
        for &id in &order {
            let above = parent(id).is_some_and(|p| goal_above[&p] || by_id[&p].kind.is_goal());
            goal_above.insert(id, above);
        }
        let mut out = Vec::new();
        for &id in &order {
            let n = by_id[&id];
            if matches!(n.kind, Assignment | Measure) && !goal_above[&id] && !n.orphaned {
                out.push(Break::NoPathToGoal { element: id });
            }
            if n.kind.is_goal() {
                for (bit, b) in [
                    (1, Break::GoalWithoutStrategy { element: id }),
                    (2, Break::GoalWithoutMeasure { element: id }),
                    (4, Break::GoalWithoutIndicator { element: id }),
                ] {
                    if below[&id] & bit == 0 {
                        out.push(b);
                    }
                }
            }
        }
        for &id in &ids {
            let n = by_id[&id];
            let origin = stands_for(id);
            if let Some(a) = n.area
                && origin != id
                && by_id[&origin].kind == SubGoal
                && !areas.get(&origin).is_some_and(|s| s.contains(&a))
            {
                out.push(Break::AreaWithoutFollowUp { element: id, area: a });
            }
            if n.orphaned {
                out.push(Break::Orphaned { element: id });
            }
        }
        out.sort();
        out.dedup();
        let child_lists = ids.iter().map(|&id| (id, kids(id))).collect();
        (order, child_lists, out)
    }

    #[test]
    fn the_flat_analysis_agrees_with_the_plain_definition_on_random_structures() {
        // A small deterministic generator (xorshift), so a failure names a seed that reproduces it.
        for seed in 1..400u64 {
            let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            let mut next = |m: u64| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x % m
            };
            let count = 1 + next(60) as i64;
            // Sparse ids some of the time, to exercise the hash lookup as well as the direct table.
            let stride = if next(3) == 0 { 1 + next(1_000_000) as i64 } else { 1 };
            let id = |k: i64| 7 + k * stride;
            let mut nodes: Vec<Node> = (0..count)
                .map(|k| {
                    let pick = |m: u64, next: &mut dyn FnMut(u64) -> u64| id(next(m) as i64);
                    let parent = (next(4) != 0).then(|| pick(count as u64 + 2, &mut next));
                    let source = (next(3) == 0).then(|| pick(count as u64 + 2, &mut next));
                    Node {
                        id: id(k),
                        plan_id: 1 + next(4) as i64,
                        parent,
                        kind: ElementKind::ALL[next(ElementKind::ALL.len() as u64) as usize],
                        source,
                        orphaned: source.is_some() && next(5) == 0,
                        area: (next(2) == 0).then(|| 100 + next(3) as i64),
                    }
                })
                .collect();
            // Unsorted input and an id given twice (the later one counts) now and then.
            if next(3) == 0 {
                nodes.reverse();
                let mut dup = nodes[0].clone();
                dup.kind = Measure;
                nodes.push(dup);
            }
            let (order, child_lists, breaks) = reference(&nodes);
            let t = Thread::new(nodes.clone());
            assert_eq!(t.depth_first(), order, "seed {seed}: order");
            for (id, kids) in &child_lists {
                assert_eq!(t.children(*id).collect::<Vec<_>>(), *kids, "seed {seed}: children of {id}");
            }
            assert_eq!(t.breaks(), breaks, "seed {seed}: breaks");
        }
    }
}
