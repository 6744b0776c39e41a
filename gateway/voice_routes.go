package gateway

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// voiceRoutes registers the call-back queue, the staff member's
// own phone, the inbox and content erasure (staff), and the voice and
// inbound-message webhooks (Twilio, signature-checked).
func (s *Server) voiceRoutes(staff *gin.RouterGroup, hooks *gin.RouterGroup) {
	staff.GET("/callbacks", s.listCallbacks)
	staff.POST("/callbacks/:id/claim", s.claimCallback)
	staff.POST("/callbacks/:id/release", s.releaseCallback)
	staff.POST("/callbacks/:id/connect", s.connectCallback)
	staff.POST("/callbacks/:id/complete", s.completeCallback)
	staff.GET("/me/phone", s.getMyPhone)
	staff.PUT("/me/phone", s.putMyPhone)
	staff.DELETE("/me/phone", s.deleteMyPhone)
	staff.GET("/inbox", s.inbox)
	staff.POST("/inbox/:id/read", s.markInboxRead)
	staff.POST("/participants/:code/erase-content", s.eraseContentHTTP)

	// The group is /webhooks; the route constants are full paths because
	// signatures are checked over them.
	for _, r := range []struct {
		route string
		h     gin.HandlerFunc
	}{
		{routeInbound, s.twilioInbound},
		{routeVoiceBridge, s.voiceBridge},
		{routeVoiceScreen, s.voiceScreen},
		{routeVoiceGate, s.voiceGate},
		{routeVoiceDial, s.voiceDial},
		{routeVoiceStatus, s.voiceStatus},
		{routeVoiceAMD, s.voiceAMD},
		{routeReminder, s.voiceReminder},
		{routeReminderGate, s.voiceReminderGate},
		{routeReminderStatus, s.voiceReminderStatus},
	} {
		hooks.POST(strings.TrimPrefix(r.route, "/webhooks"), r.h)
	}
}
