package gateway

import "github.com/gin-gonic/gin"

// safetyRoutes registers meeting points, appointments, check-in plans and
// escalations (staff).
func (s *Server) safetyRoutes(staff *gin.RouterGroup) {
	staff.POST("/meeting-points", s.createMeetingPoint)
	staff.GET("/meeting-points", s.listMeetingPoints)
	staff.POST("/appointments", s.createAppointment)
	staff.GET("/appointments", s.listAppointments)
	staff.PATCH("/appointments/:id", s.patchAppointment)
	staff.DELETE("/appointments/:id", s.cancelAppointment)
	staff.POST("/participants/:code/checkin-plan", s.putCheckinPlan)
	staff.GET("/participants/:code/checkin-plan", s.getCheckinPlan)
	staff.DELETE("/participants/:code/checkin-plan", s.deleteCheckinPlan)
	staff.GET("/escalations", s.listEscalations)
	staff.GET("/escalations/:id", s.getEscalation)
	staff.POST("/escalations/:id/ack", s.ackEscalation)
	staff.POST("/escalations/:id/resolve", s.resolveEscalation)
}
