-- Pins the product page's queries: the newest users, and the foreign users
-- table joined with an application table.
set timezone = 'UTC';
set datestyle = 'ISO, MDY';
select id, username, created_at from clerk.users order by created_at desc limit 5;
create table app_orders (
  id serial primary key,
  user_id text not null,
  total numeric(10, 2) not null
);
insert into app_orders (user_id, total)
select id, 10.5 * row_number() over (order by created_at)
  from (select id, created_at from clerk.users order by created_at limit 3) first_users;
select u.id, o.total from clerk.users u join app_orders o on o.user_id = u.id order by o.total;
drop table app_orders;
