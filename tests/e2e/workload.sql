-- workload.sql: the single-session part of the end-to-end workload, run by
-- workload.bash as role app in database shop. Errors are expected: psql goes on.
create table t (id int primary key, v int not null default 0);
insert into t values (1, 0), (2, 0);

-- syntax error (42601)
selec 1;

-- unique violation (23505), with DETAIL "Key (id)=(1) already exists."
insert into t values (1, 0);

-- RAISE with DETAIL and HINT; CONTEXT names the function
create function raise_it(what text) returns void language plpgsql as $$
begin
  raise exception 'pgtail-e2e raise: %', what
    using detail = 'first detail line' || chr(10) || 'second detail line',
          hint = 'pgtail-e2e hint: check the widget';
end
$$;
select raise_it('plain');

-- non-ASCII text in an error message
select raise_it('café 日本語 🐘');

-- a WARNING from PL/pgSQL
do $$ begin raise warning 'pgtail-e2e warning: naïve'; end $$;

-- QUERY (internal query) and CONTEXT: a syntax error in dynamic SQL
do $$ begin execute 'selec 2'; end $$;

-- a multi-line statement that fails (22012): STATEMENT spans lines, and so
-- does the LOG "statement:" entry of log_statement = 'all'
select 1
  / 0
  as "multi
line";

-- a parallel worker's error: logged by the worker (backend_type "parallel
-- worker", leader_pid) and by its leader (CONTEXT "parallel worker").
-- :parallel_guc is force_parallel_mode (15) or debug_parallel_query (16+).
set :parallel_guc = on;
select 1 / (v - v) from t;
reset :parallel_guc;
