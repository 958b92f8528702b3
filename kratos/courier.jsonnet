// The body of Kratos' HTTP courier calls to Tongbao (POST <api>/internal/kratos/courier, read by
// api/kratos-courier.ts), for e-mail (courier.http) and SMS (courier.channels[sms]) alike.
//
// `ctx` is Kratos v1.3.1's courier context (courier/http_channel.go): recipient, template_type,
// message_type, template_data (the template's model: to, the code, the whole identity, request_url,
// transient_payload), and the subject and body Kratos rendered. Tongbao renders its own templates,
// so only what it needs crosses: the code, and of the identity its id and `locale` trait. Kratos'
// default body (the schema's) would drop login and registration codes and every trait.
function(ctx)
  local data = if 'template_data' in ctx && ctx.template_data != null then ctx.template_data else {};
  local field(name) = if name in data then data[name] else null;
  local traits = if 'identity' in data && data.identity != null && 'traits' in data.identity then data.identity.traits
  else if 'traits' in data then data.traits
  else {};
  std.prune({
    recipient: ctx.recipient,
    template_type: ctx.template_type,
    message_type: ctx.message_type,
    template_data: {
      to: field('to'),
      recovery_code: field('recovery_code'),
      verification_code: field('verification_code'),
      login_code: field('login_code'),
      registration_code: field('registration_code'),
      request_url: field('request_url'),
      identity: if 'identity' in data && data.identity != null then {
        id: data.identity.id,
        traits: { locale: if traits != null && 'locale' in traits then traits.locale else null },
      } else null,
      traits: if 'traits' in data && data.traits != null then {
        locale: if 'locale' in data.traits then data.traits.locale else null,
      } else null,
    },
  })
