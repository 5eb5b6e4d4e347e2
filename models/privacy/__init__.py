"""Members' data in their own hands: one interface every capability implements (`interface`), the list of them
(`catalogue`), and the use cases built on it (`service`): export, erase, erase after leaving, retention."""
