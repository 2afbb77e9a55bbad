//! Shape geometry shared by the renderer and the oracles: `contains` is the single source of
//! truth for which pixels a shape covers.

/// The object shapes of the suite, chosen to stay distinct at 32 px.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    Circle,
    Square,
    Triangle,
    Diamond,
    Cross,
}

/// Every shape, in a fixed order.
pub const SHAPES: [Shape; 5] = [
    Shape::Circle,
    Shape::Square,
    Shape::Triangle,
    Shape::Diamond,
    Shape::Cross,
];

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::Circle => "circle",
            Shape::Square => "square",
            Shape::Triangle => "triangle",
            Shape::Diamond => "diamond",
            Shape::Cross => "cross",
        }
    }

    /// Plural name for questions ("circles").
    pub fn plural(self) -> String {
        format!("{}s", self.name()).replace("crosss", "crosses")
    }

    /// Whether normalised point `(x, y)` lies inside this shape centred at `(cx, cy)`
    /// with circumradius `r` and rotation `rot` (radians).
    pub fn contains(self, cx: f32, cy: f32, r: f32, rot: f32, x: f32, y: f32) -> bool {
        if r <= 0.0 {
            return false;
        }
        let (s, c) = (-rot).sin_cos();
        let (dx, dy) = ((x - cx) / r, (y - cy) / r);
        let (u, v) = (dx * c - dy * s, dx * s + dy * c);
        match self {
            Shape::Circle => u * u + v * v <= 1.0,
            Shape::Square => u.abs() <= 0.8 && v.abs() <= 0.8,
            Shape::Diamond => u.abs() + v.abs() <= 1.0,
            Shape::Cross => (u.abs() <= 0.34 && v.abs() <= 1.0) || (v.abs() <= 0.34 && u.abs() <= 1.0),
            Shape::Triangle => {
                // Equilateral, apex up, vertices on the unit circle (shifted down so it looks centred).
                let v = v - 0.15;
                let a = (0.0f32, -1.0f32);
                let b = (0.866f32, 0.5f32);
                let cc = (-0.866f32, 0.5f32);
                let side = |p: (f32, f32), q: (f32, f32)| (q.0 - p.0) * (v - p.1) - (q.1 - p.1) * (u - p.0);
                let (d1, d2, d3) = (side(a, b), side(b, cc), side(cc, a));
                (d1 >= 0.0 && d2 >= 0.0 && d3 >= 0.0) || (d1 <= 0.0 && d2 <= 0.0 && d3 <= 0.0)
            }
        }
    }

    /// Relative area (fraction of the circumscribed disc), for size cues.
    pub fn area_factor(self) -> f32 {
        match self {
            Shape::Circle => 1.0,
            Shape::Square => 0.81,
            Shape::Diamond => 0.64,
            Shape::Cross => 0.39,
            Shape::Triangle => 0.41,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centres_are_inside_and_far_points_outside() {
        for s in SHAPES {
            assert!(s.contains(0.5, 0.5, 0.1, 0.3, 0.5, 0.52), "{s:?}");
            assert!(!s.contains(0.5, 0.5, 0.1, 0.3, 0.7, 0.7), "{s:?}");
        }
    }
}
