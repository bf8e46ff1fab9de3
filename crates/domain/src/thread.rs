//! The red thread (*rød tråd*): one graph of goal elements across all plans, where an inherited
//! copy stands for its source, and the places where the thread breaks.

use crate::plan::ElementKind;
// Integer keys from our own database, never chosen by an attacker: the Fx hash is several times
// faster than SipHash here, and the red thread walks every element of the municipality.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

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

/// The whole thread: nodes by id, and children in the unified graph (a copy's children count as
/// children of the element it stands for).
#[derive(Debug, Default)]
pub struct Thread {
    nodes: HashMap<i64, Node>,
    children: HashMap<i64, Vec<i64>>,
    roots: Vec<i64>,
}

impl Thread {
    /// Builds the unified graph. Orphaned copies stay where they are (they have nothing to stand for).
    pub fn new(nodes: Vec<Node>) -> Self {
        let mut thread =
            Thread { nodes: HashMap::with_capacity_and_hasher(nodes.len(), Default::default()), ..Thread::default() };
        for n in nodes {
            thread.nodes.insert(n.id, n);
        }
        let mut ids: Vec<i64> = thread.nodes.keys().copied().collect();
        ids.sort_unstable();
        for id in ids {
            let node = &thread.nodes[&id];
            if thread.stands_for(id) != id {
                continue; // a live copy: its source carries it
            }
            match node.parent.map(|p| thread.stands_for(p)) {
                Some(p) if thread.nodes.contains_key(&p) => thread.children.entry(p).or_default().push(id),
                _ => thread.roots.push(id),
            }
        }
        thread
    }

    /// The element a node stands for: its source when it is a live copy, else itself.
    pub fn stands_for(&self, id: i64) -> i64 {
        match self.nodes.get(&id) {
            Some(Node { source: Some(s), orphaned: false, .. }) if self.nodes.contains_key(s) => *s,
            _ => id,
        }
    }

    /// A node by id.
    pub fn node(&self, id: i64) -> Option<&Node> {
        self.nodes.get(&id)
    }

    /// Top-level elements of the thread (visions and goals of the top plans, and loose ends).
    pub fn roots(&self) -> &[i64] {
        &self.roots
    }

    /// Children in the unified graph.
    pub fn children(&self, id: i64) -> &[i64] {
        self.children.get(&id).map(Vec::as_slice).unwrap_or_default()
    }

    /// The unified parent of a node.
    pub fn parent(&self, id: i64) -> Option<i64> {
        let node = self.nodes.get(&self.stands_for(id))?;
        node.parent.map(|p| self.stands_for(p)).filter(|p| self.nodes.contains_key(p))
    }

    /// Every place where the thread breaks, sorted.
    pub fn breaks(&self) -> Vec<Break> {
        let mut out = Vec::new();
        // One bottom-up pass: which kinds exist under each node, and where follow-up exists per area.
        let order = self.depth_first();
        let mut below: HashMap<i64, u8> = HashMap::with_capacity_and_hasher(order.len(), Default::default());
        let mut follow_up_areas: HashMap<i64, HashSet<i64>> = HashMap::default();
        const STRATEGY: u8 = 1;
        const MEASURE: u8 = 2;
        const INDICATOR: u8 = 4;
        const ACTION: u8 = 8;
        for &id in order.iter().rev() {
            let mut mask = 0u8;
            let mut areas: HashSet<i64> = HashSet::default();
            for &c in self.children(id) {
                let child = &self.nodes[&c];
                mask |= below.get(&c).copied().unwrap_or(0);
                mask |= match child.kind {
                    ElementKind::Strategy => STRATEGY,
                    ElementKind::Measure => MEASURE | ACTION,
                    ElementKind::Assignment => ACTION,
                    ElementKind::Indicator => INDICATOR,
                    _ => 0,
                };
                if matches!(child.kind, ElementKind::Assignment | ElementKind::Measure)
                    && let Some(a) = child.area
                {
                    areas.insert(a);
                }
                if let Some(sub) = follow_up_areas.get(&c) {
                    areas.extend(sub.iter().copied());
                }
            }
            below.insert(id, mask);
            if !areas.is_empty() {
                follow_up_areas.insert(id, areas);
            }
        }
        // Top-down pass: is there a goal above?
        let mut goal_above: HashMap<i64, bool> = HashMap::with_capacity_and_hasher(order.len(), Default::default());
        for &id in &order {
            let above = self.parent(id).is_some_and(|p| goal_above[&p] || self.nodes[&p].kind.is_goal());
            goal_above.insert(id, above);
        }
        for &id in &order {
            let node = &self.nodes[&id];
            // An orphan is reported as such; what hangs under it has lost its path.
            if matches!(node.kind, ElementKind::Assignment | ElementKind::Measure) && !goal_above[&id] && !node.orphaned
            {
                out.push(Break::NoPathToGoal { element: id });
            }
            if node.kind.is_goal() {
                let mask = below[&id];
                if mask & STRATEGY == 0 {
                    out.push(Break::GoalWithoutStrategy { element: id });
                }
                if mask & MEASURE == 0 {
                    out.push(Break::GoalWithoutMeasure { element: id });
                }
                if mask & INDICATOR == 0 {
                    out.push(Break::GoalWithoutIndicator { element: id });
                }
            }
        }
        // Sub-goals distributed to a service area (a copy owned there) need follow-up in that area.
        for node in self.nodes.values() {
            let origin = self.stands_for(node.id);
            if origin == node.id || self.nodes[&origin].kind != ElementKind::SubGoal {
                continue;
            }
            if let Some(area) = node.area {
                let followed = follow_up_areas.get(&origin).is_some_and(|a| a.contains(&area));
                if !followed {
                    out.push(Break::AreaWithoutFollowUp { element: node.id, area });
                }
            }
        }
        for node in self.nodes.values() {
            if node.orphaned {
                out.push(Break::Orphaned { element: node.id });
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Nodes of the unified graph in depth-first order from the roots (each once).
    pub fn depth_first(&self) -> Vec<i64> {
        let mut out = Vec::with_capacity(self.nodes.len());
        let mut seen = HashSet::with_capacity_and_hasher(self.nodes.len(), Default::default());
        let mut stack: Vec<i64> = self.roots.iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            out.push(id);
            stack.extend(self.children(id).iter().rev());
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
        assert_eq!(t.children(2), &[3, 4, 11], "the copy's children hang under the source");
        assert_eq!(t.children(11), &[21]);
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
    fn cycles_in_corrupt_data_do_not_hang() {
        let nodes = vec![node(1, 1, Some(2), MainGoal), node(2, 1, Some(1), SubGoal)];
        let t = Thread::new(nodes);
        // Neither is a root, so nothing is reachable; the analysis still terminates.
        assert!(t.depth_first().is_empty());
        assert!(t.breaks().is_empty());
    }
}
