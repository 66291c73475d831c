-- Needs 0009's column: passes only when files are ordered numerically (00010 sorts before 0009 as text).
CREATE INDEX widgets_color_idx ON widgets (color);
