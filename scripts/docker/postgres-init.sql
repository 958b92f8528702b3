-- Runs once, when the postgres container initialises an empty data volume
-- (docker-compose.yml mounts it into /docker-entrypoint-initdb.d/).
-- The application, the provider sandbox and Kratos each have a database;
-- Temporal keeps its history and its visibility records apart.
CREATE DATABASE tongbao;
CREATE DATABASE tongbao_sandbox;
CREATE DATABASE tongbao_kratos;
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
