"""The charts, one room: what a chart is, the shared drawing, the figure rules, and one module per domain."""
