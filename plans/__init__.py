"""coproduce's core: configuration, database, models, repositories, services and the pure domain."""
