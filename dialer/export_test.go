package dialer

// DialogTags exposes the call's dialog tags, as the signalling carried them, to the
// external tests, which forge in-dialog requests with one tag right and one wrong.
func (c *Call) DialogTags() (local, remote string) {
	local, _ = c.dlg.InviteRequest.From().Params.Get("tag")
	remote, _ = c.dlg.InviteResponse.To().Params.Get("tag")
	return local, remote
}
