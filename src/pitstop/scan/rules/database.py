"""Database and service URLs and connection strings with passwords.

Written for pitstop from the providers' public documentation of their token
formats.  Examples are split string literals so this file does not match itself.
"""

from __future__ import annotations

from pitstop.scan.rule import Rule
from pitstop.scan.rules._build import token

RULES: tuple[Rule, ...] = (
    token(
        'postgres-url-password', 'PostgreSQL URL with a password',
        r'''(?i)\b(?:postgres(?:ql)?|pgsql|psql|cockroachdb|redshift|timescale)(?:\+[a-z0-9]+)?://[^\s:/@'\"]+:([^\s/@'\"]{3,128})@[^\s/'\"]+''',
        ('postgres', 'pgsql', 'psql', 'cockroachdb', 'redshift', 'timescale'),
        true=('DATABASE_URL=postgresql://app:Vb7' 'zkcf6LqOfP50@db.internal:5432/app',),
        false=('DATABASE_URL=postgresql://ap' 'p:${DB_PASSWORD}@db:5432/app',),
        generic=True,
        local=True,
    ),
    token(
        'mysql-url-password', 'MySQL / MariaDB URL with a password',
        r'''(?i)\b(?:mysql|mariadb)(?:\+[a-z0-9]+)?://[^\s:/@'\"]+:([^\s/@'\"]{3,128})@[^\s/'\"]+''',
        ('mysql', 'mariadb'),
        true=('mysql+pymysql://root:Qx9HLC8' 'aVCBRqGK@mysql.internal/shop',),
        false=('mysql://root:<passw' 'ord>@localhost/shop',),
        generic=True,
        local=True,
    ),
    token(
        'mongodb-url-password', 'MongoDB URL with a password',
        r'''(?i)\bmongodb(?:\+srv)?://[^\s:/@'\"]+:([^\s/@'\"]{3,128})@[^\s/'\"]+''',
        ('mongodb',),
        true=('mongodb+srv://svc:Zt4jIJGHr4Kgi' 'MS@cluster0.abcde.mongodb.net/db',),
        false=('mongodb://user:pas' 'sword@localhost/db',),
        generic=True,
        local=True,
    ),
    token(
        'redis-url-password', 'Redis / Valkey / Dragonfly URL with a password',
        r'''(?i)\b(?:rediss?|valkey|dragonfly)://[^\s:/@'\"]*:([^\s/@'\"]{3,128})@[^\s/'\"]+''',
        ('redis', 'valkey', 'dragonfly'),
        true=('REDIS_URL=rediss://default:Kp2EfB' 'd507KtY9G7b@cache.internal:6380/0',),
        false=('REDIS_URL=redis://:cha' 'ngeme@localhost:6379/0',),
        generic=True,
        local=True,
    ),
    token(
        'amqp-url-password', 'AMQP (RabbitMQ) URL with a password',
        r'''(?i)\bamqps?://[^\s:/@'\"]+:([^\s/@'\"]{3,128})@[^\s/'\"]+''',
        ('amqp',),
        true=('BROKER_URL=amqp://worker:Hw85' 'Z2mGPMS3ubx@mq.internal:5672//',),
        false=('BROKER_URL=amqp://gu' 'est:guest@localhost//',),
        generic=True,
        local=True,
    ),
    token(
        'mssql-url-password', 'SQL Server URL with a password',
        r'''(?i)\b(?:mssql|sqlserver)(?:\+[a-z0-9]+)?://[^\s:/@'\"]+:([^\s/@'\"]{3,128})@[^\s/'\"]+''',
        ('mssql', 'sqlserver'),
        true=('mssql+pyodbc://sa:Rn5' 'vHuUHLlHkKd5@sql01/erp',),
        false=('mssql+pyodbc://sa:{' 'password}@sql01/erp',),
        generic=True,
        local=True,
    ),
    token(
        'oracle-url-password', 'Oracle URL with a password',
        r'''(?i)\boracle(?:\+[a-z0-9]+)?://[^\s:/@'\"]+:([^\s/@'\"]{3,128})@[^\s/'\"]+''',
        ('oracle',),
        true=('oracle+oracledb://scott:Tg3PyiwEnS' 'MmmZz@orahost:1521/?service_name=XE',),
        false=('oracle://scott' ':tiger@orahost',),
        generic=True,
        local=True,
    ),
    token(
        'ldap-url-password', 'LDAP URL with a password',
        r'''(?i)\bldaps?://[^\s:/@'\"]+:([^\s/@'\"]{3,128})@[^\s/'\"]+''',
        ('ldap',),
        true=('ldaps://cn=admin:Mv6CKZ' 'a3yt8pqSO@ldap.internal',),
        false=('ldap://cn=admin' ':${LDAP_PW}@ldap',),
        generic=True,
        local=True,
    ),
    token(
        'neo4j-url-password', 'Neo4j URL with a password',
        r'''(?i)\b(?:neo4j|bolt)(?:\+s{1,2}c?)?://[^\s:/@'\"]+:([^\s/@'\"]{3,128})@[^\s/'\"]+''',
        ('neo4j', 'bolt'),
        true=('neo4j+s://neo4j:Lp7cdtEoYGU' 'ncwF@abc.databases.neo4j.io',),
        false=('neo4j://neo4j:${NEO4' 'J_PASSWORD}@localhost',),
        generic=True,
        local=True,
    ),
    token(
        'clickhouse-url-password', 'ClickHouse URL with a password',
        r'''(?i)\bclickhouse(?:\+[a-z0-9]+)?://[^\s:/@'\"]+:([^\s/@'\"]{3,128})@[^\s/'\"]+''',
        ('clickhouse',),
        true=('clickhouse://default:Jr46J6A' '4Mq6aFp5@ch.internal:8123/db',),
        false=('clickhouse://de' 'fault:@localhost',),
        generic=True,
        local=True,
    ),
    token(
        'snowflake-url-password', 'Snowflake URL with a password',
        r'''(?i)\bsnowflake://[^\s:/@'\"]+:([^\s/@'\"]{3,128})@[^\s/'\"]+''',
        ('snowflake',),
        true=('snowflake://etl:Wd2uGRC' 'yRSVGNAD@acme-xy12345/db',),
        false=('snowflake://etl' ':<pass>@acme/db',),
        generic=True,
        local=True,
    ),
    token(
        'ftp-url-password', 'FTP / SFTP / SMB URL with a password',
        r'''(?i)\b(?:s?ftp|ftps|smb|scp)://[^\s:/@'\"]+:([^\s/@'\"]{3,128})@[^\s/'\"]+''',
        ('ftp://', 'sftp://', 'ftps://', 'smb://', 'scp://'),
        true=('sftp://deploy:Cq9zHtDrt5H' 'Lbz5@files.acme.dev/upload',),
        false=('ftp://anonymous:ano' 'nymous@ftp.acme.dev',),
        generic=True,
        local=True,
    ),
    token(
        'http-url-password', 'HTTP(S) URL with basic-auth credentials',
        r'''(?i)\bhttps?://[^\s:/@'\"<>]{1,64}:([^\s/@'\"<>]{3,128})@[a-z0-9][a-z0-9.\-]*[a-z0-9]''',
        ('http://', 'https://'),
        true=('https://ci:Yk362H6xOKvfsWJE' 'n@artifacts.acme.dev/simple',),
        false=('https://user:pa' 'ss@example.com/',),
        generic=True,
        local=True,
    ),
    token(
        'jdbc-password', 'JDBC URL with a password parameter',
        r'''(?i)\bjdbc:[a-z0-9]+:[^\s'\"]*?[?;&]password=([^;&\s'\"]{3,128})''',
        ('jdbc:',),
        true=('jdbc:postgresql://db:5432/app?u' 'ser=app&password=Gx5ilLsCM8AD9Nt',),
        false=('jdbc:postgresql://db:5432/a' 'pp?user=app&password=${PASS}',),
        generic=True,
    ),
    token(
        'connection-string-password', 'ADO.NET / ODBC connection string with a password',
        r'''(?i)(?:server|data source|host|hostname|dsn)\s*=[^;\n]{1,100};[^\n]{0,200}?\b(?:password|pwd)\s*=\s*([^;'\"\s]{4,128})''',  # noqa: E501
        ('server=', 'data source=', 'host=', 'hostname=', 'dsn='),
        true=('Server=tcp:sql01,1433;Database=erp;U' 'ser Id=app;Password=Fz8fDMhlDQTeiR4;',),
        false=('Server=sql01;Database=erp' ';Integrated Security=true;',),
        generic=True,
    ),
    token(
        'sql-password-literal', 'Password in a CREATE/ALTER USER or IDENTIFIED BY statement',
        r'''(?i)(?:\bidentified\s+by\s+(?:password\s+)?|\b(?:create|alter)\s+(?:user|role)\b[^;\n]{0,100}?\bpassword\s+)['\"]([^'\"\s]{6,128})['\"]''',
        ('identified by', 'password'),
        true=('CREATE ROLE app LOGIN PA' "SSWORD 'Nh4P3KJ2jgHRC7L';",),
        false=('ALTER USER app PA' "SSWORD '********';",),
        generic=True,
    ),
)
