"""The supply-chain network model: the graph a dataset describes (graph), the one LP and its
solve stages (model), and the measures of any flows at every stage (measures)."""
