//! Local variable scopes of one frame (the script or a function body).

/// Names to slots. Scopes nest for pattern bindings and comprehension variables; `let`
/// of a new name defines it for the rest of the frame, as tremor's locals do.
pub(crate) struct FrameScope {
    scopes: Vec<Vec<(String, u32)>>,
    next: u32,
    /// Inside a function (or a constant): `event`, `$` and `state` are not available.
    pub in_fn: bool,
    /// The slot holding extra arguments of a `...` function (`args`).
    pub varargs: Option<u32>,
}

impl FrameScope {
    pub(crate) fn new(in_fn: bool) -> Self {
        FrameScope {
            scopes: vec![Vec::new()],
            next: 0,
            in_fn,
            varargs: None,
        }
    }

    pub(crate) fn slots(&self) -> usize {
        self.next as usize
    }

    pub(crate) fn new_slot(&mut self) -> u32 {
        let s = self.next;
        self.next += 1;
        s
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<u32> {
        self.scopes
            .iter()
            .rev()
            .find_map(|sc| sc.iter().rev().find(|(n, _)| n == name).map(|(_, s)| *s))
    }

    /// Binds in the innermost scope.
    pub(crate) fn bind(&mut self, name: &str, slot: u32) {
        if let Some(sc) = self.scopes.last_mut() {
            sc.push((name.to_string(), slot));
        }
    }

    /// Binds for the rest of the frame.
    pub(crate) fn bind_frame(&mut self, name: &str, slot: u32) {
        if let Some(sc) = self.scopes.first_mut() {
            sc.push((name.to_string(), slot));
        }
    }

    pub(crate) fn push(&mut self) {
        self.scopes.push(Vec::new());
    }

    pub(crate) fn pop(&mut self) {
        if self.scopes.len() > 1 {
            self.scopes.pop();
        }
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().flatten().map(|(n, _)| n.as_str())
    }
}
